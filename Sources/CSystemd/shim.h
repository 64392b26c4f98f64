#ifndef CLUSTERD_CSYSTEMD_SHIM_H
#define CLUSTERD_CSYSTEMD_SHIM_H

#include <systemd/sd-daemon.h>
#include <systemd/sd-journal.h>

/// Same layout as glibc's `struct ucred`, which glibc only declares under _GNU_SOURCE.
typedef struct clusterd_ucred {
    int pid;
    unsigned int uid;
    unsigned int gid;
} clusterd_ucred;

#endif
