import ClusterCore
import PBSCore
import Testing

@Suite("Reconciler: unknown is not dead, restart policy, backoff, start limit")
struct ReconcilerFailureTests {
    @Test("20 failed qstats: no submit, no delete, state kept, one event each way")
    func staleTicks() {
        var world = World()
        world.bringUp()
        let before = world.state.jobs
        var actions: [ReconcileAction] = []
        for _ in 0..<20 {
            world.advance(30)
            actions += world.failedTick()
        }
        #expect(submits(actions).isEmpty)
        #expect(deletes(actions).isEmpty)
        #expect(kinds(actions) == [.qstatFailed])
        #expect(world.state.stale)
        #expect(world.state.staleSince == Timestamp(1_000_060 + 30))
        #expect(world.state.jobs == before)
        #expect(world.reconciler.status(now: world.now).stale)
        #expect(world.state.lastQueryFailure == "serverDown: qstat exit 255")
        world.advance(30)
        let recovered = world.tick()
        #expect(kinds(recovered) == [.qstatRecovered])
        #expect(events(recovered).first?.message == "qstat answers again after 10m")
        #expect(!world.state.stale)
    }

    @Test("a restart that falls due while qstat fails waits for the next answer")
    func noSubmitWhileStale() throws {
        var world = World()
        world.bringUp()
        let engine = try #require(world.ids(.engine).first)
        world.end(engine, exit: 1)
        world.advance(30)
        #expect(kinds(world.tick()).contains(.restarting))
        world.advance(30)
        #expect(submits(world.failedTick()).isEmpty)
        world.advance(30)
        let actions = world.tick()
        #expect(submits(actions).map(\.role) == [.engine])
        #expect(submits(actions).first?.reason == .restart)
    }

    @Test("a job missing from the answer keeps its state")
    func missingFromAnswer() throws {
        var world = World()
        world.bringUp()
        let before = world.state
        world.advance(30)
        #expect(decisions(world.reconciler.tick(.answered([:]), now: world.now)).isEmpty)
        #expect(world.state.jobs == before.jobs)
    }

    @Test("unknown before first seen: dead only at the second unknown answer")
    func unknownGrace() throws {
        var world = World()
        world.autoSubmit = false
        let intent = try #require(submits(world.tick()).first).intent
        world.handle(world.reconciler.submitted(intent: intent, jobID: "7.server", now: world.now))
        world.advance(30)
        let first = world.tick()  // server does not list 7.server yet
        #expect(first.isEmpty)
        #expect(world.state.jobs.first?.unknownAnswers == 1)
        world.advance(30)
        let second = world.tick()
        #expect(kinds(second) == [.died, .restarting])
        #expect(world.state.jobs.isEmpty)
        #expect(world.state.controller.failedStarts == [world.now])
        // A job that shows up in between resets the count.
        world.advance(10)
        let retry = try #require(submits(world.tick()).first)
        world.handle(world.reconciler.submitted(intent: retry.intent, jobID: "8.server", now: world.now))
        world.advance(30)
        world.tick()
        world.server["8.server"] = PBSJob(id: "8.server", state: .queued, rawState: "Q")
        world.advance(30)
        world.tick()
        #expect(world.state.jobs.first?.unknownAnswers == 0)
        #expect(world.state.jobs.first?.firstSeenAt == world.now)
    }

    @Test("unknown after being seen is dead at once, exit status unknown")
    func vanished() throws {
        var world = World()
        world.bringUp()
        let engine = try #require(world.ids(.engine).first)
        world.server[engine] = nil
        world.advance(30)
        let actions = world.tick()
        let died = try #require(events(actions).first { $0.kind == .died })
        #expect(died.jobID == engine)
        #expect(died.exitStatus == nil)
        #expect(died.message.contains("no longer known to the server"))
        #expect(kinds(actions).contains(.restarting))
        #expect(world.state.engine.lastExit?.exitStatus == nil)
    }

    @Test("queued for days is not a failure")
    func queueWait() {
        var world = World()
        world.tick()
        for _ in 0..<(3 * 24 * 120) {
            world.advance(30)
            #expect(world.tick().isEmpty)
        }
        #expect(world.live(.controller).count == 1)
    }

    @Test("on-failure: clean exit after running holds the role as exited")
    func onFailureCleanExit() throws {
        var world = World()
        world.bringUp()
        let engine = try #require(world.ids(.engine).first)
        world.end(engine, exit: 0)
        world.advance(30)
        let actions = world.tick()
        #expect(kinds(actions) == [.died, .exited])
        #expect(world.state.engine.hold?.kind == .exited)
        world.advance(3600)
        #expect(submits(world.tick()).isEmpty)
        // Start clears the hold and resubmits.
        let started = world.command(.start(.engine))
        #expect(submits(started).map(\.role) == [.engine])
        #expect(world.state.engine.hold == nil)
    }

    @Test("on-failure restarts non-zero, killed, unknown exits and deaths before running")
    func onFailureRestarts() throws {
        for exit in [1, -29, 271, nil] as [Int?] {
            var world = World()
            world.bringUp()
            let engine = try #require(world.ids(.engine).first)
            world.end(engine, exit: exit)
            world.advance(30)
            let actions = world.tick()
            let restarting = try #require(events(actions).first { $0.kind == .restarting })
            #expect(restarting.delay == 10)
            #expect(world.state.engine.restarts == 1)
        }
        // Died before running with exit 0 (never ran) still counts as a failure.
        var world = World()
        world.tick()
        let controller = try #require(world.ids(.controller).first)
        world.end(controller, exit: 0)
        world.advance(30)
        #expect(kinds(world.tick()) == [.died, .restarting])
        #expect(world.state.controller.failedStarts.count == 1)
    }

    @Test("always restarts a clean exit; never holds on a failure")
    func alwaysAndNever() throws {
        var always = World(spec: testSpec(restart: .always))
        always.bringUp()
        let engine = try #require(always.ids(.engine).first)
        always.end(engine, exit: 0)
        always.advance(30)
        #expect(kinds(always.tick()) == [.died, .restarting])

        var never = World(spec: testSpec(restart: .never))
        never.bringUp()
        let other = try #require(never.ids(.engine).first)
        never.end(other, exit: 3)
        never.advance(30)
        #expect(kinds(never.tick()) == [.died, .exited])
        never.advance(600)
        #expect(submits(never.tick()).isEmpty)
        #expect(never.state.engine.hold?.kind == .exited)
        #expect(never.live(.engine).count == 1)
    }

    @Test("backoff doubles from the initial delay to the max, to the second")
    func backoffTiming() throws {
        var spec = testSpec()
        spec.controller.startLimitBurst = 100
        var world = World(spec: spec)
        world.tick()
        var delays: [Double] = []
        for _ in 0..<5 {
            let controller = try #require(world.ids(.controller).first)
            world.end(controller, exit: 1)
            world.advance(30)
            let actions = world.tick()
            let delay = try #require(events(actions).first { $0.kind == .restarting }?.delay)
            delays.append(delay)
            #expect(world.state.controller.backoffUntil == world.now + delay)
            world.advance(delay - 0.5)
            #expect(submits(world.tick()).isEmpty)
            world.advance(0.5)
            #expect(submits(world.tick()).map(\.role) == [.controller])
        }
        #expect(delays == [10, 20, 40, 80, 80])
        #expect(RoleSpec(backoffInitial: 3, backoffMax: 1000).backoffDelay(step: 60) == 1000)
        #expect(RoleSpec(backoffInitial: 3, backoffMax: 1000).backoffDelay(step: 4) == 24)
    }

    @Test("start limit: three quick failed starts put the role into failed; reset clears it")
    func startLimit() throws {
        var world = World()
        world.tick()
        var last: [ReconcileAction] = []
        for attempt in 1...3 {
            let controller = try #require(world.ids(.controller).first)
            world.end(controller, exit: 1)
            world.advance(5)
            last = world.tick()
            if attempt < 3 {
                world.advance(80)
                #expect(submits(world.tick()).count == 1)
            }
        }
        #expect(kinds(last) == [.died, .failed])
        let failed = try #require(events(last).last)
        #expect(failed.message.contains("3 failed starts within 5m"))
        #expect(failed.message.contains("exit status 1"))
        #expect(world.state.controller.hold?.kind == .failed)
        world.advance(10_000)
        #expect(submits(world.tick()).isEmpty)
        #expect(world.reconciler.status(now: world.now).roles.first?.hold?.kind == .failed)

        let reset = world.command(.reset(.controller))
        #expect(kinds(reset).first == .reset)
        #expect(submits(reset).map(\.role) == [.controller])
        #expect(world.state.controller.failedStarts.isEmpty)
        #expect(world.state.controller.backoffStep == 0)
    }

    @Test("failures spaced wider than the window never hit the start limit")
    func spacedFailures() throws {
        var world = World()
        world.tick()
        for _ in 0..<6 {
            let controller = try #require(world.ids(.controller).first)
            world.end(controller, exit: 1)
            world.advance(5)
            #expect(kinds(world.tick()) == [.died, .restarting])
            world.advance(160)
            #expect(submits(world.tick()).count == 1)
        }
        #expect(world.state.controller.hold == nil)
        #expect(world.state.controller.failedStarts.count == 2)
    }

    @Test("a stable run resets the backoff and is not a failed start")
    func stableRunResetsBackoff() throws {
        var world = World()
        world.tick()
        for _ in 0..<2 {
            let controller = try #require(world.ids(.controller).first)
            world.end(controller, exit: 1)
            world.advance(5)
            world.tick()
            world.advance(80)
            world.tick()
        }
        #expect(world.state.controller.backoffStep == 2)
        let controller = try #require(world.ids(.controller).first)
        world.run(controller)
        world.advance(30)
        world.tick()
        world.advance(50)  // ran 80 s since its start time: stable
        world.end(controller, exit: 1)
        world.advance(30)
        let actions = world.tick()
        #expect(events(actions).first { $0.kind == .restarting }?.delay == 10)
        #expect(world.state.controller.failedStarts.count == 2)
        #expect(world.state.controller.hold == nil)
        #expect(world.state.controller.lastExit?.ranSeconds == 80)
    }

    @Test("engines dying together share one backoff window")
    func sharedBackoffWindow() throws {
        var world = World(spec: testSpec(engines: 3))
        world.bringUp()
        for id in world.ids(.engine).prefix(2) { world.end(id, exit: 1) }
        world.advance(30)
        let actions = world.tick()
        #expect(events(actions).filter { $0.kind == .restarting }.compactMap(\.delay) == [10, 10])
        #expect(world.state.engine.backoffStep == 1)
        world.advance(10)
        #expect(submits(world.tick()).map(\.role) == [.engine, .engine])
    }

    @Test("a failed qsub backs off and is not a failed start")
    func submitFailure() throws {
        var world = World()
        world.autoSubmit = false
        for delay in [10.0, 20, 40, 80] {
            let intent = try #require(submits(world.tick()).first).intent
            let actions = world.handle(world.reconciler.submitFailed(
                intent: intent, error: "qsub: exit 162, cannot connect to server pbs", now: world.now))
            #expect(kinds(actions) == [.submitFailed, .restarting])
            #expect(events(actions).first?.message.contains("exit 162") == true)
            #expect(events(actions).last?.delay == delay)
            #expect(world.state.jobs.isEmpty)
            world.advance(delay)
        }
        #expect(world.state.controller.hold == nil)
        #expect(world.state.controller.failedStarts.isEmpty)
        #expect(world.state.controller.restarts == 0)
    }
}
