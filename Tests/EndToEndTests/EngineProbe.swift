import Foundation
import Testing
import TestSupport

/// One round of scripts/e2e_probe.py: how many engines answered a task through `clusterd.connect()`'s client.
struct ProbeSample: Decodable {
    /// Seconds since the probe started (when the round began).
    var t: Double
    /// Epoch seconds when the round ended (its answers were in).
    var at: Double?
    /// Seconds the round took (a reconnect that waits for a new controller makes it long).
    var took: Double?
    var generation: Int?
    var controllerJob: String?
    var listed: Int?
    var answered: Int
    var error: String?

    enum CodingKeys: String, CodingKey {
        case t, at, took, generation, listed, answered, error
        case controllerJob = "controller_job"
    }
}

/// scripts/e2e_probe.py running in the background: every ~0.5 s it counts the engines that answer through the
/// same client a notebook uses, which follows the handoff from one controller to the next by itself. Its JSON
/// lines go to a file the test reads while it runs.
final class EngineProbe {
    private let process: Process
    private let outputPath: String
    private let stopFile: String
    let logPath: String

    /// Starts the probe for `cluster`; `environment` is laid over this process's (it tells the client where the
    /// daemon's socket is). Files go into `directory`.
    init(cluster: String, directory: String, environment: [String: String], maxSeconds: Int = 600) throws {
        let tag = UUID().uuidString.prefix(6)
        outputPath = "\(directory)/probe-\(tag).jsonl"
        logPath = "\(directory)/probe-\(tag).log"
        stopFile = "\(directory)/probe-\(tag).stop"
        for path in [outputPath, logPath] { _ = FileManager.default.createFile(atPath: path, contents: nil) }
        process = Process()
        process.executableURL = URL(fileURLWithPath: EndToEndEnvironment.venv + "/bin/python")
        process.arguments = [EndToEndEnvironment.probeScript, cluster, stopFile, "\(maxSeconds)"]
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = try FileHandle(forWritingTo: URL(fileURLWithPath: outputPath))
        process.standardError = try FileHandle(forWritingTo: URL(fileURLWithPath: logPath))
        try process.run()
    }

    deinit {
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
    }

    /// Every sample so far, oldest first.
    func samples() -> [ProbeSample] {
        let text = (try? String(contentsOfFile: outputPath, encoding: .utf8)) ?? ""
        return text.split(separator: "\n").compactMap {
            try? JSONDecoder().decode(ProbeSample.self, from: Data($0.utf8))
        }
    }

    /// Asks the probe to stop after its current round and waits for it (killed after 20 s); returns its samples.
    @discardableResult
    func stop() async -> [ProbeSample] {
        _ = FileManager.default.createFile(atPath: stopFile, contents: nil)
        let process = process
        if !(await Poll.until(20) { !process.isRunning }) { kill(process.processIdentifier, SIGKILL) }
        return samples()
    }

    /// The probe's stderr (the client's reconnect lines, a failure's traceback).
    var log: String { (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? "" }

    var isRunning: Bool { process.isRunning }
}

/// What a probe saw of a controller change: the samples after every engine first answered (bring-up).
struct ProbeSummary {
    /// Samples from the first one in which `engines` answered.
    var afterBringUp: [ProbeSample]
    /// Fewest engines answering in one sample after bring-up (nil: bring-up never happened).
    var minimumAnswered: Int?
    /// Longest time between the ends of two consecutive samples after bring-up: a round that blocks (a
    /// reconnect waiting for engines) is a time without answers that the minimum alone would not show.
    var longestGap: Double

    init(_ samples: [ProbeSample], engines: Int) {
        afterBringUp = Array(samples.drop { $0.answered < engines })
        minimumAnswered = afterBringUp.map(\.answered).min()
        let ends = afterBringUp.compactMap(\.at)
        longestGap = zip(ends, ends.dropFirst()).map { $1 - $0 }.max() ?? 0
    }

    /// The samples in which every engine answered through controller `job`.
    func full(on job: String, engines: Int) -> [ProbeSample] {
        afterBringUp.filter { $0.controllerJob == job && $0.answered == engines }
    }

    /// Samples with fewer than `engines` answering, for failure messages (at most 20).
    func short(of engines: Int) -> String {
        afterBringUp.filter { $0.answered < engines }.prefix(20).map { sample in
            "t=\(sample.t) gen=\(sample.generation ?? -1) answered=\(sample.answered)/\(sample.listed ?? -1)"
                + (sample.error.map { " \($0)" } ?? "")
        }.joined(separator: "; ")
    }
}
