import ClusterCore
import PBSCore
import Testing

@Suite("Reconciler: controller replacement, handoff, engine cycle")
struct ReconcilerControllerTests {
    @Test("controller death: handoff stale at once, engines stay, new generation, handoff, engines follow it")
    func controllerDeath() throws {
        var world = World()
        world.bringUp()
        let oldController = try #require(world.ids(.controller).first)
        let oldEngines = world.ids(.engine)
        #expect(world.state.handoff?.generation == 1)

        world.end(oldController, exit: 1)
        world.advance(30)
        var actions = world.tick()
        // The same tick: handoff invalidated, restart scheduled; the engines stay in their allocations.
        let invalidated = handoffWrites(actions).filter(\.stale)
        #expect(invalidated.count == 1)
        #expect(invalidated.first?.jobID == oldController)
        #expect(world.state.handoff?.stale == true)
        #expect(world.state.handoff?.staleSince == world.now)
        #expect(deletes(actions).isEmpty, "engines wait for the next controller inside their jobs")
        #expect(kinds(actions).contains(.handoffStale))
        #expect(kinds(actions).contains(.restarting))
        #expect(submits(actions).isEmpty)

        // Backoff over (10 s from the death): new controller, generation 2; no engine job is submitted.
        world.advance(10)
        actions = world.tick()
        let controller = try #require(submits(actions).first)
        #expect(controller.role == .controller)
        #expect(controller.generation == 2)
        #expect(controller.reason == .restart)
        #expect(submits(actions).count == 1)

        let newController = try #require(world.ids(.controller).first)
        world.run(newController)
        world.advance(30)
        actions = world.tick()
        #expect(addressReads(actions) == [newController])
        let handoff = try #require(handoffWrites(actions).first)
        #expect(handoff.generation == 2)
        #expect(handoff.address == world.address(of: newController))
        #expect(handoff.engines == nil, "engines and clients go to the new controller together")
        #expect(submits(actions).isEmpty)
        #expect(world.ids(.engine) == oldEngines, "the same engine jobs follow the new controller")
        let follow = try #require(events(actions).first { $0.kind == .enginesFollow })
        #expect(follow.message.contains("2 engine job(s) follow it inside their allocations, none resubmitted"))
        #expect(world.state.engine.restarts == 0)
    }

    @Test("engines that give up waiting for a controller are no failure and come back with the next one")
    func enginesGiveUpWithoutController() throws {
        var world = World()
        world.bringUp()
        let controller = try #require(world.ids(.controller).first)
        world.end(controller, exit: 1)
        world.advance(30)
        world.tick()
        world.advance(30)
        world.tick()  // the replacement is submitted and stays queued
        let next = try #require(world.ids(.controller).first)
        // controller_wait passes: the engine jobs exit and give their allocations back.
        for id in world.ids(.engine) { world.end(id, exit: 3) }
        world.advance(30)
        let actions = world.tick()
        #expect(kinds(actions).filter { $0 == .died }.count == 2)
        #expect(events(actions).allSatisfy { $0.kind != .died || $0.message.contains("no controller was ready") })
        #expect(world.state.engine.failedStarts.isEmpty)
        #expect(world.state.engine.backoffUntil == nil)
        #expect(submits(actions).isEmpty, "nothing to connect to yet")
        world.run(next)
        world.advance(30)
        #expect(submits(world.tick()).filter { $0.role == .engine }.count == 2)
    }

    @Test("restart of the controller: not a failure, immediate resubmission, engines move")
    func restartController() throws {
        var world = World()
        world.bringUp()
        let oldController = try #require(world.ids(.controller).first)
        let oldEngines = world.ids(.engine)
        let actions = world.command(.restart(.controller))
        #expect(deletes(actions, reason: .restarted) == [oldController])
        #expect(deletes(actions, reason: .controllerLost).isEmpty)
        #expect(handoffWrites(actions).contains { $0.stale })
        #expect(submits(actions).map(\.generation) == [2])
        world.advance(30)
        world.tick()
        #expect(world.state.controller.restarts == 0)
        #expect(world.state.controller.failedStarts.isEmpty)
        #expect(world.state.controller.hold == nil)
        let newController = try #require(world.ids(.controller).first)
        world.run(newController)
        world.advance(30)
        let next = world.tick()
        #expect(submits(next).filter { $0.role == .engine }.isEmpty)
        #expect(world.ids(.engine) == oldEngines)
        #expect(world.state.handoff?.generation == 2)
    }

    @Test("an address for an older generation than the handoff is ignored")
    func olderAddressIgnored() throws {
        var world = World()
        world.bringUp()
        let controller = try #require(world.ids(.controller).first)
        // Unknown job ids and engines are ignored too.
        #expect(world.reconciler.controllerAddress(jobID: "999.server", address: "1.2.3.4", now: world.now)
            .isEmpty)
        let engine = try #require(world.ids(.engine).first)
        #expect(world.reconciler.controllerAddress(jobID: engine, address: "1.2.3.4", now: world.now).isEmpty)
        // The same controller moving address rewrites the handoff without cycling engines.
        let moved = world.handle(world.reconciler.controllerAddress(
            jobID: controller, address: "10.9.9.9", now: world.now))
        #expect(handoffWrites(moved).first?.address == "10.9.9.9")
        #expect(deletes(moved).isEmpty)
        #expect(submits(moved).isEmpty)
    }

    @Test("with depend=after, missing engines are submitted with the replacement controller, before its handoff")
    func dependAfterReplacement() throws {
        var world = World(spec: testSpec(dependAfter: true))
        world.bringUp()
        let controller = try #require(world.ids(.controller).first)
        world.end(controller, exit: 1)
        world.end(try #require(world.ids(.engine).first), exit: 1)
        world.advance(30)
        world.tick()
        world.advance(10)
        let actions = world.tick()
        let newController = try #require(world.ids(.controller).first)
        let engines = submits(actions).filter { $0.role == .engine }
        #expect(engines.count == 1, "the engine that stayed follows; only the dead one is replaced")
        #expect(engines.allSatisfy { $0.generation == 2 && $0.dependAfter == newController })
    }
}

@Suite("Reconciler: engine health from the controller's report")
struct ReconcilerHealthTests {
    @Test("status shows the engines registered with the clients' controller against those started")
    func registrationInStatus() throws {
        var world = World()
        world.bringUp()
        world.advance(30)
        world.tick()
        let engines = try #require(world.reconciler.status(now: world.now).engines)
        #expect(engines.registered == 2)
        #expect(engines.expected == 2)
        #expect(engines.controllerJob == world.ids(.controller).first)
    }

    @Test("a health report that stops advancing gets the controller replaced like a silent one")
    func staleHealthReplacesTheController() throws {
        var world = World()
        world.bringUp()
        let controller = try #require(world.ids(.controller).first)
        world.autoHealth = false
        // The report stays as it was: same time, read every tick.
        let frozen = world.now.seconds
        var actions: [ReconcileAction] = []
        for _ in 0..<19 {
            world.advance(30)
            actions = world.handle(world.reconciler.tick(.answered(world.observations()), now: world.now))
            actions += world.handle(world.reconciler.controllerHealth(
                jobID: controller, registered: 2, reportedAt: frozen, now: world.now))
            #expect(!kinds(actions).contains(.healthTimeout))
        }
        world.advance(30)  // 600 s since the report last advanced
        actions = world.handle(world.reconciler.controllerHealth(
            jobID: controller, registered: 2, reportedAt: frozen, now: world.now))
        #expect(kinds(actions).contains(.healthTimeout))
        #expect(deletes(actions, reason: .healthTimeout) == [controller])
        #expect(world.state.controller.failedStarts.count == 1)
        #expect(world.state.handoff?.stale == true)
    }

    @Test("a controller whose job writes no health report is not judged by it")
    func noReportNoJudgement() throws {
        var world = World()
        world.autoHealth = false
        world.bringUp()
        let controller = try #require(world.ids(.controller).first)
        for _ in 0..<40 {
            world.advance(30)
            world.tick()
            world.handle(world.reconciler.controllerHealth(
                jobID: controller, registered: nil, reportedAt: nil, now: world.now))
        }
        #expect(world.ids(.controller) == [controller])
    }
}
