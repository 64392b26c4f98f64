import ClusterConfiguration
import ClusterCore
import POSIXSupport
import Glibc

/// What a controller job reports once ipcontroller has written its connection files
/// (`<report_dir>/controller-<job id>.json`, written atomically by the job script).
public struct ControllerReport: Codable, Sendable, Equatable {
    public var jobID: String
    public var address: String
    public var host: String?
    public var engineFile: String
    public var clientFile: String?

    enum CodingKeys: String, CodingKey {
        case address, host
        case jobID = "job_id"
        case engineFile = "engine_file"
        case clientFile = "client_file"
    }

    public init(jobID: String, address: String, host: String?, engineFile: String, clientFile: String?) {
        self.jobID = jobID
        self.address = address
        self.host = host
        self.engineFile = engineFile
        self.clientFile = clientFile
    }

    /// Where the controller can be reached.
    public var endpoint: ControllerEndpoint {
        ControllerEndpoint(address: address, engineFile: engineFile, clientFile: clientFile)
    }

    /// A report that exists but cannot be used.
    public struct Invalid: Error, CustomStringConvertible {
        public var path: String
        public var reason: String
        public var description: String { "\(path): \(reason)" }
    }

    /// The report of `jobID` in `directory`: nil while the controller has not written it yet.
    ///
    /// The id in the file may be the long form of the one PBS printed (Slurm prints `12`, the job sees `12`;
    /// OpenPBS prints `4.server` and the job sees `4.server`), so the file is looked up under the job's own id
    /// and checked to be about that job.
    public static func read(jobID: String, directory: String) throws -> ControllerReport? {
        let path = "\(directory)/controller-\(jobID).json"
        let report: ControllerReport
        do {
            guard let read = try JSONFile<ControllerReport>(path: path).read() else { return nil }
            report = read
        } catch let error as JSONFile<ControllerReport>.Invalid {
            throw Invalid(path: path, reason: "not a controller report (\(error.reason))")
        }
        guard report.jobID == jobID else {
            throw Invalid(path: path, reason: "written by job \(report.jobID), expected \(jobID)")
        }
        guard AddressCheck.isUsable(report.address) else {
            throw Invalid(path: path, reason: "\"\(report.address)\" is neither an IP address nor a resolvable name")
        }
        guard report.engineFile.hasPrefix("/") else {
            throw Invalid(path: path, reason: "engine_file \"\(report.engineFile)\" is not an absolute path")
        }
        return report
    }
}

/// Validates controller addresses.
public enum AddressCheck {
    /// True for an IPv4/IPv6 literal or a host name that resolves.
    public static func isUsable(_ address: String) -> Bool {
        guard !address.isEmpty, address.utf8.count < 256,
              address.unicodeScalars.allSatisfy({ $0.isASCII && $0.value > 0x20 }) else { return false }
        if AddressSelector.isIPLiteral(address) { return address != "0.0.0.0" && address != "::" }
        var hints = addrinfo()
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        var result: UnsafeMutablePointer<addrinfo>?
        guard getaddrinfo(address, nil, &hints, &result) == 0 else { return false }
        freeaddrinfo(result)
        return true
    }
}

/// What a controller job's health sidecar writes every few seconds (`<report_dir>/health-<job id>.json`): the
/// engines registered with that controller, and the time (a sign that ipcontroller still answers).
public struct ControllerHealthReport: Codable, Sendable, Equatable {
    public var jobID: String
    public var registered: Int
    /// Seconds since the epoch, by the job's clock.
    public var time: Double

    enum CodingKeys: String, CodingKey {
        case registered, time
        case jobID = "job_id"
    }

    /// The report of `jobID` in `directory`: nil while there is none; an unusable one is an error.
    public static func read(jobID: String, directory: String) throws -> ControllerHealthReport? {
        let path = "\(directory)/health-\(jobID).json"
        guard let report = try JSONFile<ControllerHealthReport>(path: path).read() else { return nil }
        guard report.jobID == jobID, report.registered >= 0 else {
            throw ControllerReport.Invalid(path: path, reason: "written by job \(report.jobID) with \(report.registered)"
                + " engines; expected job \(jobID)")
        }
        return report
    }
}

/// What an engine job writes when it starts its engines (`<report_dir>/engine-<job id>.json`).
public struct EngineReport: Codable, Sendable, Equatable {
    public var jobID: String
    /// MPI processes (one ipengine each); nil when the job could not tell.
    public var np: Int?

    enum CodingKeys: String, CodingKey {
        case np
        case jobID = "job_id"
    }

    /// The report of `jobID` in `directory`, nil while there is none.
    public static func read(jobID: String, directory: String) throws -> EngineReport? {
        let path = "\(directory)/engine-\(jobID).json"
        guard let report = try JSONFile<EngineReport>(path: path).read() else { return nil }
        guard report.jobID == jobID else {
            throw ControllerReport.Invalid(path: path, reason: "written by job \(report.jobID), expected \(jobID)")
        }
        return report
    }
}
