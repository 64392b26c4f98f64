import ClusterCore
import PBSCore
import Testing

@Suite("Reconciler: controller replacement, handoff, engine cycle")
struct ReconcilerControllerTests {
    @Test("controller death: handoff stale at once, engines deleted, new generation, handoff, engines cycled")
    func controllerDeath() throws {
        var world = World()
        world.bringUp()
        let oldController = try #require(world.ids(.controller).first)
        let oldEngines = world.ids(.engine)
        #expect(world.state.handoff?.generation == 1)

        world.end(oldController, exit: 1)
        world.advance(30)
        var actions = world.tick()
        // The same tick: handoff invalidated, engines of the dead controller deleted, restart scheduled.
        let invalidated = handoffWrites(actions).filter(\.stale)
        #expect(invalidated.count == 1)
        #expect(invalidated.first?.jobID == oldController)
        #expect(world.state.handoff?.stale == true)
        #expect(world.state.handoff?.staleSince == world.now)
        #expect(Set(deletes(actions, reason: .controllerLost)) == Set(oldEngines))
        #expect(kinds(actions).contains(.handoffStale))
        #expect(kinds(actions).contains(.restarting))
        #expect(submits(actions).isEmpty)
        // Engines going away because their controller died are not failures.
        world.advance(5)
        actions = world.tick()
        #expect(kinds(actions).filter { $0 == .ended }.count == 2)
        #expect(world.state.engine.restarts == 0)
        #expect(world.state.engine.failedStarts.isEmpty)

        // Backoff over (10 s from the death): new controller, generation 2, no engines yet.
        world.advance(5)
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
        let engines = submits(actions)
        #expect(engines.count == 2)
        #expect(engines.allSatisfy { $0.role == .engine && $0.generation == 2 })
        let cycled = try #require(events(actions).first { $0.kind == .enginesCycled })
        #expect(cycled.message.contains("2 submitted, 0 old engine(s) deleted"))
    }

    @Test("restart of the controller: not a failure, immediate resubmission, engines move")
    func restartController() throws {
        var world = World()
        world.bringUp()
        let oldController = try #require(world.ids(.controller).first)
        let oldEngines = world.ids(.engine)
        let actions = world.command(.restart(.controller))
        #expect(deletes(actions, reason: .restarted) == [oldController])
        #expect(Set(deletes(actions, reason: .controllerLost)) == Set(oldEngines))
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
        #expect(submits(next).filter { $0.role == .engine }.count == 2)
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

    @Test("with depend=after, a dead controller's replacement brings engines with it before its handoff")
    func dependAfterReplacement() throws {
        var world = World(spec: testSpec(dependAfter: true))
        world.bringUp()
        let controller = try #require(world.ids(.controller).first)
        world.end(controller, exit: 1)
        world.advance(30)
        world.tick()
        world.advance(10)
        let actions = world.tick()
        let newController = try #require(world.ids(.controller).first)
        let engines = submits(actions).filter { $0.role == .engine }
        #expect(engines.count == 2)
        #expect(engines.allSatisfy { $0.generation == 2 && $0.dependAfter == newController })
    }
}
