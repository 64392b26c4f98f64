import ClusterAPI
import ClusterConfiguration
import ClusterCore
import ClusterDaemon
import DaemonTestSupport
import Foundation
import Logging
import PBSCore
import Synchronization
import TestSupport
import Testing

/// The supervisor without processes: an in-memory PBS, a manual clock, state storage in memory. Files (scripts,
/// reports, the handoff) go to a temporary directory.
struct SupervisorRig {
    let dir: TemporaryDirectory
    let pbs: InMemoryPBS
    let clock: ManualClock
    let storage: MemoryStateStorage
    let events: EventLog
    let config: ClusterdConfig

    init(engines: Int = 2, state: ClusterState? = nil, pbs: InMemoryPBS = InMemoryPBS(), extra: String = "",
         cluster: String = "", dir: TemporaryDirectory? = nil, clock: ManualClock = ManualClock()) throws {
        let dir = try dir ?? TemporaryDirectory()
        self.dir = dir
        self.clock = clock
        self.pbs = pbs
        storage = MemoryStateStorage(state)
        var logger = Logger(label: "test") { _ in SwiftLogNoOpLogHandler() }
        logger.logLevel = .critical
        events = EventLog(path: dir.path + "/events.log", logger: logger)
        let text = """
            [daemon]
            state_dir = "\(dir.path)/state"
            socket = "\(dir.path)/s.sock"
            dialect = "openpbs"
            adopt_interval = "60s"
            \(extra)
            [clusters.t]
            \(cluster)
            [clusters.t.engines]
            jobs = \(engines)
            """
        config = try ConfigLoader(environment: ConfigEnvironment(home: dir.path, uid: 1_000))
            .parse(text, path: dir.path + "/clusterd.toml")
    }

    var handoffPath: String { dir.path + "/state/t/controller.json" }
    var reportDir: String { dir.path + "/state/t/reports" }

    func supervisor() throws -> Supervisor {
        let logger = Logger(label: "test") { _ in SwiftLogNoOpLogHandler() }
        let storage = self.storage
        return try Supervisor(
            config: config, environment: SupervisorEnvironment(pbs: pbs, clock: clock, events: events, logger: logger),
            owner: pbs.owner, storage: { _, _ in storage })
    }

    /// The controller job writes its report, as the built-in template does once ipcontroller is up.
    func report(_ jobID: String) throws {
        try FileManager.default.createDirectory(atPath: reportDir, withIntermediateDirectories: true)
        let json = """
            {"job_id": "\(jobID)", "address": "10.0.0.\(jobID.prefix { $0 != "." })", "host": "n1", \
            "engine_file": "/h/\(jobID)-engine.json", "client_file": "/h/\(jobID)-client.json"}
            """
        try json.write(toFile: "\(reportDir)/controller-\(jobID).json", atomically: true, encoding: .utf8)
    }

    func eventKinds() async -> [ClusterEvent.Kind] {
        await events.recent().map(\.kind)
    }

    /// Ticks with the clock 30 s further each time.
    func tick(_ supervisor: Supervisor, times: Int = 1) async {
        for _ in 0..<times {
            clock.advance(30)
            await supervisor.tick()
        }
    }

    /// Controller running and reported, engines running: the steady state.
    func bringUp(_ supervisor: Supervisor) async throws {
        await tick(supervisor)
        let controller = try #require(pbs.liveJobs.first { $0.name == "cd-t-controller" }?.id)
        pbs.run(controller, at: Int(clock.now().seconds))
        try report(controller)
        await tick(supervisor)
        for engine in pbs.liveJobs where engine.name == "cd-t-engine" {
            pbs.run(engine.id, at: Int(clock.now().seconds))
        }
        await tick(supervisor)
    }
}

@Suite struct SupervisorTests {
    @Test func theIntentIsSavedBeforeQsubAndTheIDRightAfter() async throws {
        let rig = try SupervisorRig(engines: 0)
        let storage = rig.storage
        let atQsub = Mutex<[ClusterState]>([])
        rig.pbs.onSubmit { _ in if let saved = storage.saved { atQsub.withLock { $0.append(saved) } } }
        let supervisor = try rig.supervisor()
        await rig.tick(supervisor)
        let snapshots = atQsub.withLock { $0 }
        #expect(snapshots.count == 1)
        let pending = try #require(snapshots.first?.jobs.first)
        #expect(pending.role == .controller && pending.jobID == nil, "the intent is on disk while qsub runs")
        let after = try #require(storage.saved?.jobs.first)
        #expect(after.jobID == rig.pbs.jobs.first?.id, "the id is saved once qsub returned")
        #expect(after.intent == pending.intent)
    }

    @Test func theControllerGoesFirstAndEnginesFollowItsHandoff() async throws {
        let rig = try SupervisorRig(engines: 2)
        let supervisor = try rig.supervisor()
        await rig.tick(supervisor)
        #expect(rig.pbs.submissions.map(\.name) == ["cd-t-controller"], "no engine before a controller reported")
        try await rig.bringUp(supervisor)
        #expect(rig.pbs.submissions.map(\.name) == ["cd-t-controller", "cd-t-engine", "cd-t-engine"])
        let handoff = try #require(try JSONFile.handoff(rig.handoffPath).read())
        #expect(handoff.controllerJob == "1.mem")
        #expect(handoff.engineFile == "/h/1.mem-engine.json")
        #expect(handoff.clientFile == "/h/1.mem-client.json")
        #expect(await rig.eventKinds().starts(with: [.submitted]))
    }

    @Test func aCrashBetweenQsubAndTheIDIsHealedByAdoptionWithoutADuplicate() async throws {
        let rig = try SupervisorRig(engines: 0)
        let storage = rig.storage
        // The state on disk at the moment qsub ran: what a kill -9 right after qsub leaves behind.
        let crashed = Mutex<ClusterState?>(nil)
        rig.pbs.onSubmit { _ in crashed.withLock { $0 = $0 ?? storage.saved } }
        await rig.tick(try rig.supervisor())
        let leftBehind = try #require(crashed.withLock { $0 })
        #expect(leftBehind.jobs.first?.jobID == nil)

        rig.pbs.onSubmit(nil)
        let restarted = try SupervisorRig(engines: 0, state: leftBehind, pbs: rig.pbs, dir: rig.dir)
        let supervisor = try restarted.supervisor()
        await restarted.tick(supervisor, times: 3)
        #expect(rig.pbs.liveJobs.count == 1, "no second controller")
        #expect(rig.pbs.submissions.count == 1)
        #expect(await supervisor.state(of: "t")?.jobs.first?.jobID == "1.mem")
        #expect(await restarted.eventKinds().contains(.adopted))
    }

    @Test func adoptionWaitsForPBSAndNothingIsSubmittedBlind() async throws {
        // Defect: a crash after qsub, then a start while PBS is down: the listing failed once and was never
        // retried, the intent stayed `submitting` forever and the real job ran untracked.
        let pbs = InMemoryPBS()
        let job = pbs.inject(name: "cd-t-controller", variables: [
            "CLUSTERD_CLUSTER": "t", "CLUSTERD_ROLE": "controller", "CLUSTERD_GENERATION": "1",
            "CLUSTERD_INTENT": "i1-1",
        ])
        var state = ClusterState(spec: ClusterSpec(name: "t", engineCount: 0))
        var intent = TrackedJob(intent: IntentID("i1-1"), sequence: 1, role: .controller, generation: 1,
                                intentAt: Timestamp(1))
        intent.jobID = nil
        state.jobs = [intent]
        state.nextSequence = 2
        state.controllerGeneration = 1
        let rig = try SupervisorRig(engines: 0, state: state, pbs: pbs)
        pbs.setDown(true)
        let supervisor = try rig.supervisor()
        await rig.tick(supervisor, times: 3)
        #expect(await supervisor.adoptionPending)
        pbs.setDown(false)
        await rig.tick(supervisor)
        #expect(await !supervisor.adoptionPending)
        #expect(await supervisor.state(of: "t")?.jobs.map(\.jobID) == [job])
        #expect(pbs.submissions.isEmpty, "the job from before the crash is the controller")
    }

    @Test func ownJobsNobodyTracksAreFoundAndTheSurplusDeleted() async throws {
        // A qsub still running when the daemon died returns after the new daemon adopted: a duplicate.
        let rig = try SupervisorRig(engines: 1)
        let supervisor = try rig.supervisor()
        try await rig.bringUp(supervisor)
        let stray = rig.pbs.inject(name: "cd-t-engine", variables: [
            "CLUSTERD_CLUSTER": "t", "CLUSTERD_ROLE": "engine", "CLUSTERD_GENERATION": "1",
            "CLUSTERD_INTENT": "i999-99",
        ])
        await rig.tick(supervisor)  // 30 s after the last listing: not due yet
        #expect(rig.pbs.liveJobs.contains { $0.id == stray })
        await rig.tick(supervisor, times: 2)  // adopt_interval (60 s) passed
        #expect(!rig.pbs.liveJobs.contains { $0.id == stray }, "the stray is adopted and deleted as surplus")
        #expect(rig.pbs.liveJobs.filter { $0.name == "cd-t-engine" }.count == 1)
        let kinds = await rig.eventKinds()
        #expect(kinds.contains(.adopted) && kinds.contains(.retired))
        let stats = await rig.pbs.stats()
        // Ticks at 30, 60, ..., 150 s: listings at 30 (adoption), 90 and 150 s (adopt_interval = 60 s).
        #expect(stats.qselectCalls == 3, "one listing per adopt_interval, not one per tick")
    }

    @Test func aFailedSweepWaitsForTheNextIntervalWhileAdoptionRetriesEveryTick() async throws {
        let rig = try SupervisorRig(engines: 0)
        rig.pbs.setDown(true)
        let supervisor = try rig.supervisor()
        await rig.tick(supervisor, times: 3)
        #expect(await rig.pbs.stats().qselectCalls == 3, "adoption is retried at every tick")
        rig.pbs.setDown(false)
        await rig.tick(supervisor)
        #expect(await !supervisor.adoptionPending)
        rig.pbs.setDown(true)
        await rig.tick(supervisor, times: 4)  // 120 s: one sweep due at 60 s, failing; the next due at 120 s
        #expect(await rig.pbs.stats().qselectCalls == 4 + 2, "a failing sweep is not repeated every tick")
    }

    @Test func noQsubRunsWhileTheStateCannotBeSaved() async throws {
        let rig = try SupervisorRig(engines: 0)
        rig.storage.setFailing("No space left on device")
        let supervisor = try rig.supervisor()
        await rig.tick(supervisor, times: 2)
        #expect(rig.pbs.submissions.isEmpty)
        let failure = try #require(await rig.events.recent().first { $0.kind == .submitFailed })
        #expect(failure.message.contains("the state cannot be saved (No space left on device)"))
        rig.storage.setFailing(nil)
        await rig.tick(supervisor, times: 2)  // after the backoff
        #expect(rig.pbs.submissions.count == 1)
        #expect(rig.storage.saved?.jobs.first?.jobID == "1.mem")
    }

    @Test func aHandoffThatCannotBeWrittenIsRetriedAndShownAndEnginesWait() async throws {
        // Defect: a failed handoff write (full home, quota) was never retried; the file kept naming a deleted
        // controller. Here the handoff's directory is a regular file, so every write fails until it is removed.
        let dir = try TemporaryDirectory()
        let blocked = dir.path + "/h"
        let rig = try SupervisorRig(engines: 1, cluster: "handoff_file = \"\(blocked)/controller.json\"", dir: dir)
        try "".write(toFile: blocked, atomically: true, encoding: .utf8)
        let supervisor = try rig.supervisor()
        await rig.tick(supervisor)
        let controller = try #require(rig.pbs.liveJobs.first?.id)
        rig.pbs.run(controller, at: Int(rig.clock.now().seconds))
        try rig.report(controller)
        await rig.tick(supervisor, times: 2)
        var status = try #require(await supervisor.status().first)
        #expect(status.handoffWriteError?.contains("Not a directory") == true, "\(status)")
        #expect(status.handoffUnwritten)
        #expect(rig.pbs.submissions.count == 1, "no engine while no reader can find the controller")
        #expect(await rig.eventKinds().filter { $0 == .handoffWriteFailed }.count == 1, "reported once")

        try FileManager.default.removeItem(atPath: blocked)
        await rig.tick(supervisor)
        status = try #require(await supervisor.status().first)
        #expect(status.handoffWriteError == nil)
        #expect(!status.handoffUnwritten)
        #expect(rig.pbs.submissions.map(\.name) == ["cd-t-controller", "cd-t-engine"])
        #expect(try JSONFile.handoff(blocked + "/controller.json").read()?.controllerJob == controller)
    }

    @Test func anUnusableSavedStateIsRefusedWithWhatToDo() throws {
        var state = ClusterState(spec: ClusterSpec(name: "t"))
        state.engineCount = -5
        let dir = try TemporaryDirectory()
        let path = dir.path + "/state.json"
        try JSONFile<ClusterState>(path: path).write(state)
        let error = #expect(throws: ClusterStateFile.Unusable.self) {
            try ClusterStateFile(path: path, cluster: "t").load()
        }
        #expect(error?.description.contains("engineCount is -5, outside 0...10000") == true)
        #expect(error?.description.contains("move it aside") == true)

        state.engineCount = 1_000_000_000
        try JSONFile<ClusterState>(path: path).write(state)
        #expect(throws: ClusterStateFile.Unusable.self) { try ClusterStateFile(path: path, cluster: "t").load() }

        // A FIFO at the state path would block the daemon's start forever.
        try FileManager.default.removeItem(atPath: path)
        #expect(mkfifo(path, 0o600) == 0)
        let fifo = #expect(throws: ClusterStateFile.Unusable.self) {
            try ClusterStateFile(path: path, cluster: "t").load()
        }
        #expect(fifo?.description.contains("not a regular file") == true)
    }

    @Test func aLargeScaleIsBoundedAndSubmittedAFewPerTick() async throws {
        let rig = try SupervisorRig(engines: 0)
        let supervisor = try rig.supervisor()
        try await rig.bringUp(supervisor)
        #expect(await supervisor.command(.scale(engines: 1_000_000_000), cluster: "t"))
        #expect(await supervisor.state(of: "t")?.engineCount == 0)
        #expect(await rig.eventKinds().last == .commandRejected)
        #expect(await supervisor.command(.scale(engines: 30), cluster: "t"))
        let afterCommand = rig.pbs.submissions.count
        await rig.tick(supervisor)
        let afterTick = rig.pbs.submissions.count
        #expect(afterCommand - 1 <= 8, "at most submit_burst qsubs until the next tick")
        #expect(afterTick - afterCommand <= 8, "and at most submit_burst per tick")
        await rig.tick(supervisor, times: 4)
        #expect(rig.pbs.submissions.count == 31)
    }

    /// The health sidecar of `jobID`: `registered` engines, now by the rig's clock.
    private func health(_ rig: SupervisorRig, _ jobID: String, registered: Int) throws {
        let json = #"{"job_id": "\#(jobID)", "registered": \#(registered), "time": \#(rig.clock.now().seconds)}"#
        try json.write(toFile: "\(rig.reportDir)/health-\(jobID).json", atomically: true, encoding: .utf8)
    }

    @Test func aCrashInTheMiddleOfAPlannedRenewalThenAPBSOutageFinishesTheRenewalOnce() async throws {
        // Two faults together: kill -9 after the engines were told to move to the replacement controller (clients
        // still on the old one), and PBS down when the daemon comes back. Nothing may move or be deleted blind;
        // once PBS answers, the renewal completes where it stopped: no second replacement, no engine qsub.
        let renewing = """
            [clusters.t.controller]
            walltime = "01:00:00"
            renew_before = "20m"
            """
        let rig = try SupervisorRig(engines: 2, cluster: renewing)
        let storage = rig.storage
        let supervisor = try rig.supervisor()
        try await rig.bringUp(supervisor)
        let old = try #require(rig.pbs.liveJobs.first { $0.name == "cd-t-controller" }?.id)
        try health(rig, old, registered: 2)
        rig.clock.advance(2_500)  // 41 min into a 60 min walltime: inside renew_before
        await rig.tick(supervisor)
        let new = try #require(rig.pbs.liveJobs.first { $0.name == "cd-t-controller" && $0.id != old }?.id)
        rig.pbs.run(new, at: Int(rig.clock.now().seconds))
        try rig.report(new)
        try health(rig, old, registered: 2)
        try health(rig, new, registered: 0)
        await rig.tick(supervisor)
        var handoff = try #require(try JSONFile.handoff(rig.handoffPath).read())
        try #require(handoff.controllerJob == old && handoff.engines?.controllerJob == new, "\(handoff)")
        let leftBehind = try #require(storage.saved)
        let submissions = rig.pbs.submissions.count

        // kill -9 here; the new daemon starts while PBS is down.
        rig.pbs.setDown(true)
        let restarted = try SupervisorRig(engines: 2, state: leftBehind, pbs: rig.pbs, cluster: renewing, dir: rig.dir,
                                          clock: rig.clock)
        let second = try restarted.supervisor()
        for _ in 0..<5 {  // 150 s: past switchTimeout (register_wait, 120 s), which must not move clients blind either
            try health(restarted, old, registered: 2)
            try health(restarted, new, registered: 2)  // the engines registered meanwhile
            await restarted.tick(second)
        }
        handoff = try #require(try JSONFile.handoff(rig.handoffPath).read())
        #expect(handoff.controllerJob == old && handoff.engines?.controllerJob == new, "moved blind: \(handoff)")
        #expect(rig.pbs.liveJobs.contains { $0.id == old }, "deleted while PBS could not be asked")
        #expect(rig.pbs.submissions.count == submissions)

        rig.pbs.setDown(false)
        for _ in 0..<3 {
            try health(restarted, new, registered: 2)
            await restarted.tick(second)
        }
        handoff = try #require(try JSONFile.handoff(rig.handoffPath).read())
        let log = await restarted.events.recent().map { "\($0.kind) \($0.message)" }
        // The engines' part names the same controller as the top level again: the move is over.
        #expect(handoff.controllerJob == new && handoff.engines?.controllerJob == new && !handoff.stale,
                "\(handoff) \(log)")
        #expect(!rig.pbs.liveJobs.contains { $0.id == old }, "the old controller is deleted once")
        #expect(rig.pbs.submissions.count == submissions, "no second replacement, no engine qsub")
        #expect(rig.pbs.liveJobs.filter { $0.name == "cd-t-engine" }.count == 2)
        let state = try #require(await second.state(of: "t"))
        #expect(state.controller.restarts == 0 && state.engine.restarts == 0)
        #expect(await restarted.eventKinds().contains(.renewed))
    }

    @Test func aShutdownDuringQstatIsNotAnOutage() async throws {
        let rig = try SupervisorRig(engines: 0)
        let supervisor = try rig.supervisor()
        try await rig.bringUp(supervisor)
        rig.pbs.setQueryDelay(.seconds(30))
        let tick = Task { await supervisor.tick() }
        try await Task.sleep(for: .milliseconds(100))
        tick.cancel()
        await tick.value
        let status = try #require(await supervisor.status().first)
        #expect(!status.stale)
        #expect(!(await rig.eventKinds()).contains(.qstatFailed))
    }
}
