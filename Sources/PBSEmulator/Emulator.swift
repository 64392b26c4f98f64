// Filled in by the PBS emulator issue.
