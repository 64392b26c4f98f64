import ArgumentParser
import ClusterAPI
import ClusterCLI
import ClusterClient
import ClusterCore
import Glibc
import POSIXSupport

/// `clusterctl logs <cluster> <role> [-f]`: the PBS output file of the role's newest job.
struct Logs: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Print the PBS output file of a role's newest job.",
        discussion: "The supervisor submits with -o <state_dir>/<cluster>/logs/<role>-<intent>.log. Many PBS sites "
            + "copy the file there only when the job ends. Needs only the daemon: it names the file.")

    @Argument(help: "The cluster.")
    var cluster: String

    @Argument(help: "controller, engines or notebook.")
    var role: RoleArgument

    @Flag(name: [.short, .customLong("follow")], help: "Keep printing as the file grows (tail -F).")
    var follow = false

    @OptionGroup var client: ClientOptions

    func run() throws {
        let api = try client.client()
        let detail = try CtlExit.guarding { try api.cluster(cluster) }
        guard let status = detail.status.roles.first(where: { $0.role == role.role }) else {
            complain("clusterctl: cluster \(cluster) has no \(role.role.rawValue) role")
            throw CtlExit.notFound
        }
        let job = status.jobs.last { $0.state == "running" } ?? status.jobs.last
        guard let job else {
            complain("clusterctl: \(cluster) has no \(role.role.rawValue) job now (see clusterctl status)")
            throw CtlExit.notFound
        }
        let path = detail.logFile(role: role.role, intent: job.intent)
        if follow {
            let arguments = ["tail", "-n", "+1", "-F", path]
            var argv = arguments.map { strdup($0) } + [nil]
            // This runs on a Swift concurrency thread, which blocks most signals, and exec keeps the calling
            // thread's mask: without this, tail would ignore Ctrl-C (SIGINT) and SIGTERM.
            var none = sigset_t()
            sigemptyset(&none)
            pthread_sigmask(SIG_SETMASK, &none, nil)
            execvp("tail", &argv)
            complain("clusterctl: cannot run tail: \(String(cString: strerror(errno)))")
            throw ExitCode.failure
        }
        let text: [UInt8]?
        do {
            text = try FileIO.read(path)
        } catch {
            complain("clusterctl: cannot read the job's output: \(error)")
            throw ExitCode.failure
        }
        guard let text else {
            complain("clusterctl: no output yet at \(path) (job \(job.jobID ?? "not submitted"), "
                + "\(job.state)); PBS may copy it only when the job ends")
            throw ExitCode.failure
        }
        if let code = CommandOutput.current.bytes(text) {
            complain("clusterctl: cannot write standard output: \(String(cString: strerror(code)))")
            throw ExitCode.failure
        }
    }
}
