import ArgumentParser
import ClusterAPI
import ClusterClient
import Glibc
import POSIXSupport

/// `clusterctl connect [cluster]`: how to reach the notebook and the controller.
struct Connect: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Show the notebook URL and ssh tunnel, and the controller's client connection file.",
        discussion: "Needs only the daemon: the paths come from its answer, not from the configuration file.")

    @Argument(help: "The cluster (default: the only one, or \"default\").")
    var cluster: String?

    @OptionGroup var client: ClientOptions
    @OptionGroup var output: OutputOptions

    func run() throws {
        let api = try client.client()
        let detail = try CtlExit.guarding { try api.cluster(try ClusterName.resolve(cluster, api)) }
        let view = ConnectView(detail, user: Self.user, loginHost: HostName.current)
        if output.json { return try printJSON(view.answer) }
        say(view.text)
    }

    /// `$USER`, else the password database's name for this uid.
    static var user: String {
        if let name = getenv("USER") { return String(cString: name) }
        return getpwuid(getuid()).map { String(cString: $0.pointee.pw_name) } ?? "you"
    }
}

/// What `clusterctl connect` shows for one cluster: the notebook's URL and ssh tunnel, the controller's client file.
struct ConnectView {
    /// What `--json` prints.
    struct Answer: Encodable {
        var cluster: String
        var controllerAddress: String?
        var controllerJob: String?
        var clientFile: String?
        var handoffFile: String
        var handoffStale: Bool?
        var notebook: NotebookConnection?
        var sshTunnel: String?
    }

    let detail: ClusterDetail
    /// `ssh -N -L PORT:NODE:PORT user@login-host`, when a notebook runs.
    let tunnel: String?

    init(_ detail: ClusterDetail, user: String, loginHost: String) {
        self.detail = detail
        tunnel = detail.notebook.map { notebook in
            "ssh -N -L \(notebook.port):\(notebook.address):\(notebook.port) \(user)@\(loginHost)"
        }
    }

    var answer: Answer {
        Answer(cluster: detail.name, controllerAddress: detail.handoff?.address,
               controllerJob: detail.handoff?.controllerJob, clientFile: detail.handoff?.clientFile,
               handoffFile: detail.handoffFile, handoffStale: detail.handoff?.stale, notebook: detail.notebook,
               sshTunnel: tunnel)
    }

    var text: String {
        var lines: [String] = []
        if let notebook = detail.notebook, let tunnel {
            lines.append("notebook   job \(notebook.jobID) on \(notebook.host), \(notebook.address):\(notebook.port)")
            lines.append("  url      " + (notebook.url ?? "(Jupyter has not printed its URL yet; see clusterctl logs "
                + "\(detail.name) notebook)"))
            lines.append("  tunnel   run on your laptop: \(tunnel)")
            if let url = notebook.url, let rest = url.split(separator: ":", maxSplits: 2).last?
                .drop(while: { $0.isNumber }) {
                lines.append("  then     open http://localhost:\(notebook.port)\(rest)")
            }
        } else {
            lines.append("notebook   not running")
        }
        if let handoff = detail.handoff {
            lines.append("controller \(handoff.address) (job \(handoff.controllerJob), generation "
                + "\(handoff.generation))" + (handoff.stale ? " STALE: being replaced" : ""))
            if let file = handoff.clientFile {
                lines.append("  client   ipyparallel.Client(url_file=\"\(file)\")")
            } else {
                lines.append("  client   (the controller has not reported its client file)")
            }
        } else {
            lines.append("controller no address yet")
        }
        lines.append("handoff    \(detail.handoffFile)")
        return lines.joined(separator: "\n")
    }
}
