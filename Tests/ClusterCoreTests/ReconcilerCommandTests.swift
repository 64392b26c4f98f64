import ClusterCore
import PBSCore
import Testing

@Suite("Reconciler: lifecycle commands and qdel results")
struct ReconcilerCommandTests {
    @Test("stop the cluster: every job deleted, nothing restarted; start brings it back")
    func stopAndStart() throws {
        var world = World(spec: testSpec(notebook: true))
        world.bringUp()
        let all = world.state.jobs.compactMap(\.jobID)
        let stopped = world.command(.stop(nil))
        #expect(Set(deletes(stopped, reason: .stopped)) == Set(all))
        #expect(kinds(stopped).filter { $0 == .stopped }.count == 3)
        #expect(world.state.controller.desired == .stopped)
        world.advance(30)
        let after = world.tick()
        #expect(kinds(after).filter { $0 == .ended }.count == 4)
        #expect(submits(after).isEmpty)
        #expect(world.state.jobs.isEmpty)
        world.advance(3600)
        #expect(world.tick().isEmpty)
        #expect(world.reconciler.status(now: world.now).roles.allSatisfy { $0.wantedJobs == 0 })

        let started = world.command(.start(nil))
        #expect(submits(started).map(\.role) == [.controller, .notebook])
        #expect(submits(started).first?.generation == 2)
    }

    @Test("stop only the engines: the controller stays")
    func stopEngines() throws {
        var world = World()
        world.bringUp()
        let controller = world.ids(.controller)
        let actions = world.command(.stop(.engine))
        #expect(deletes(actions).count == 2)
        world.advance(30)
        world.tick()
        #expect(world.ids(.controller) == controller)
        #expect(world.state.jobs.filter { $0.role == .engine }.isEmpty)
        let started = world.command(.start(.engine))
        #expect(submits(started).count == 2)
    }

    @Test("restart engines: delete and resubmit at once, not a failure")
    func restartEngines() throws {
        var world = World()
        world.bringUp()
        let old = world.ids(.engine)
        let actions = world.command(.restart(.engine))
        #expect(Set(deletes(actions, reason: .restarted)) == Set(old))
        #expect(submits(actions).count == 2)
        #expect(submits(actions).allSatisfy { $0.generation == 1 })
        world.advance(30)
        #expect(kinds(world.tick()).filter { $0 == .ended }.count == 2)
        #expect(world.state.engine.restarts == 0)
        #expect(world.state.engine.failedStarts.isEmpty)
    }

    @Test("stop while qsub is running: the job is deleted as soon as its id is known")
    func stopPendingIntent() throws {
        var world = World()
        world.autoSubmit = false
        let intent = try #require(submits(world.tick()).first).intent
        let stopped = world.command(.stop(nil))
        #expect(deletes(stopped).isEmpty)
        let actions = world.reconciler.submitted(intent: intent, jobID: "5.server", now: world.now)
        #expect(deletes(actions, reason: .stopped) == ["5.server"])
        #expect(submits(actions).isEmpty)
        // A result for an intent nobody knows is deleted, never left running.
        let stray = world.reconciler.submitted(intent: IntentID("i0-99"), jobID: "6.server", now: world.now)
        #expect(kinds(stray) == [.unknownIntent])
        #expect(deletes(stray) == ["6.server"])
    }

    @Test("commands while qstat fails: deletions go out, submissions wait")
    func commandsWhileStale() throws {
        var world = World()
        world.bringUp()
        world.advance(30)
        world.failedTick()
        let stop = world.command(.stop(.engine))
        #expect(deletes(stop).count == 2)
        let start = world.command(.start(.engine))
        #expect(submits(start).isEmpty)
        world.advance(30)
        let recovered = world.tick()
        #expect(kinds(recovered).first == .qstatRecovered)
        #expect(submits(recovered).count == 2)
    }

    @Test("start after the start limit clears the failed hold")
    func startClearsFailed() throws {
        var world = World()
        world.tick()
        for _ in 1...3 {
            let controller = try #require(world.ids(.controller).first)
            world.end(controller, exit: 2)
            world.advance(5)
            world.tick()
            world.advance(80)
            world.tick()
        }
        #expect(world.state.controller.hold?.kind == .failed)
        let started = world.command(.start(.controller))
        #expect(submits(started).count == 1)
        #expect(world.state.controller.hold == nil)
        #expect(world.state.controller.failedStarts.isEmpty)
    }

    @Test("a failed qdel is retried on the next answered tick; a lingering job after deleteRetryAfter")
    func deleteRetry() throws {
        var world = World()
        world.bringUp()
        world.autoDelete = false
        let engine = try #require(world.ids(.engine).last)
        let scaled = world.command(.scale(engines: 1))
        #expect(deletes(scaled) == [engine])
        let failed = world.reconciler.deleted(jobIDs: [engine], error: "qdel: exit 162", now: world.now)
        #expect(kinds(failed) == [.deleteFailed])
        #expect(world.reconciler.deleted(jobIDs: [engine], error: nil, now: world.now).isEmpty)
        world.advance(30)
        #expect(deletes(world.tick()) == [engine])
        world.advance(60)
        #expect(deletes(world.tick()).isEmpty)
        world.advance(60)
        #expect(deletes(world.tick()) == [engine])
        world.end(engine, exit: 271)
        world.advance(30)
        #expect(kinds(world.tick()) == [.ended])
    }
}
