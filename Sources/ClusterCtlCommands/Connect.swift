import ArgumentParser
import ClusterAPI
import ClusterClient
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
        let view = ConnectView(detail, user: UserName.current, loginHost: HostName.current)
        if output.json { return try printJSON(view.answer) }
        say(view.text)
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
        var localURL: String?
        /// Python lines that connect: one that follows controller changes, one for this controller only.
        var python: [String]
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
               sshTunnel: tunnel, localURL: detail.notebook.flatMap(localURL),
               python: [Self.followingClient(detail.name)]
                + (detail.handoff?.clientFile.map { [Self.plainClient($0)] } ?? []))
    }

    var text: String {
        var lines: [String] = []
        if let notebook = detail.notebook, let tunnel {
            lines.append("notebook   job \(notebook.jobID) on \(notebook.host), \(notebook.address):\(notebook.port)")
            lines.append("  url      " + (notebook.url ?? "(Jupyter has not answered yet; see clusterctl logs "
                + "\(detail.name) notebook)"))
            lines.append("  tunnel   run on your laptop: \(tunnel)")
            if let local = localURL(notebook) { lines.append("  then     open \(local)") }
        } else {
            lines.append("notebook   not running")
        }
        if let handoff = detail.handoff {
            lines.append("controller \(handoff.address) (job \(handoff.controllerJob), generation "
                + "\(handoff.generation))" + (handoff.stale ? " STALE: being replaced" : ""))
            lines.append("  python   \(Self.followingClient(detail.name))   # follows controller changes")
            if let file = handoff.clientFile {
                lines.append("  or       \(Self.plainClient(file))   # this controller only")
            } else {
                lines.append("  or       (the controller has not reported its client file)")
            }
        } else {
            lines.append("controller no address yet")
        }
        lines.append("handoff    \(detail.handoffFile)")
        return lines.joined(separator: "\n")
    }

    /// The notebook URL through the tunnel: the same path and token on `localhost`.
    func localURL(_ notebook: NotebookConnection) -> String? {
        guard let url = notebook.url, let hostStart = url.firstRange(of: "://") else { return nil }
        let rest = url[hostStart.upperBound...]
        let path = rest.firstIndex(of: "/").map { String(rest[$0...]) } ?? "/"
        return "http://localhost:\(notebook.port)\(path)"
    }

    /// Python for a client that follows the controller (the `clusterd` package in `python/`).
    static func followingClient(_ cluster: String) -> String {
        "import clusterd; rc = clusterd.connect(\(pythonString(cluster)))"
    }

    /// Python for a plain ipyparallel 9 client of one controller (the file is positional in 9.x).
    static func plainClient(_ file: String) -> String {
        "import ipyparallel; rc = ipyparallel.Client(\(pythonString(file)))"
    }

    /// A Python string literal of `text`.
    static func pythonString(_ text: String) -> String {
        var out = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\\": out += "\\\\"
            case "\"": out += "\\\""
            case _ where scalar.value < 0x20 || scalar.value == 0x7F: out += "\\x" + hex2(scalar.value)
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out + "\""
    }

    private static func hex2(_ value: UInt32) -> String {
        let digits = Array("0123456789abcdef")
        return String([digits[Int(value >> 4)], digits[Int(value & 15)]])
    }
}
