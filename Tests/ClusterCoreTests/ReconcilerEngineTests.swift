import ClusterCore
import PBSCore
import Testing

@Suite("Reconciler: engines, scaling, reload")
struct ReconcilerEngineTests {
    @Test("a dead engine is replaced with the same generation after the backoff")
    func replaceDeadEngine() throws {
        var world = World()
        world.bringUp()
        let engine = try #require(world.ids(.engine).first)
        world.end(engine, exit: 137)
        world.advance(30)
        let died = world.tick()
        let event = try #require(events(died).first { $0.kind == .died })
        #expect(event.exitStatus == 137)
        #expect(event.jobID == engine)
        #expect(event.role == .engine)
        #expect(event.cluster == "astro")
        #expect(event.time == world.now)
        #expect(submits(died).isEmpty)
        world.advance(9)
        #expect(submits(world.tick()).isEmpty)
        world.advance(1)
        let replacement = try #require(submits(world.tick()).first)
        #expect(replacement.generation == 1)
        #expect(replacement.reason == .restart)
        #expect(world.live(.engine).count == 2)
    }

    @Test("scale up submits, scale down deletes the newest first, negative is rejected")
    func scale() throws {
        var world = World()
        world.bringUp()
        let original = world.live(.engine).compactMap(\.jobID)
        let up = world.command(.scale(engines: 4))
        #expect(submits(up).count == 2)
        #expect(kinds(up).first == .scaled)
        #expect(world.state.engineCount == 4)
        let added = world.live(.engine).compactMap(\.jobID).filter { !original.contains($0) }
        world.advance(30)
        world.tick()

        let down = world.command(.scale(engines: 1))
        #expect(deletes(down, reason: .scaledDown) == [added[1], added[0], original[1]])
        #expect(world.ids(.engine) == [original[0]])
        world.advance(30)
        let after = world.tick()
        #expect(submits(after).isEmpty)
        #expect(kinds(after).filter { $0 == .ended }.count == 3)
        #expect(world.state.engine.restarts == 0)

        let rejected = world.command(.scale(engines: -1))
        #expect(kinds(rejected) == [.commandRejected])
        #expect(world.state.engineCount == 1)
        let zero = world.command(.scale(engines: 0))
        #expect(deletes(zero) == [original[0]])
    }

    @Test("reload: a changed engine count applies, an unchanged one keeps a scale")
    func reloadEngineCount() throws {
        var world = World()
        world.bringUp()
        world.command(.scale(engines: 3))
        #expect(world.live(.engine).count == 3)
        var spec = testSpec()
        spec.engine.backoffInitial = 5
        let same = world.handle(world.reconciler.updateSpec(spec, now: world.now))
        #expect(kinds(same) == [.specReloaded])
        #expect(events(same).first?.message.contains("settings changed") == true)
        #expect(world.state.engineCount == 3)
        #expect(world.reconciler.spec.engine.backoffInitial == 5)

        spec.engineCount = 5
        let more = world.handle(world.reconciler.updateSpec(spec, now: world.now))
        #expect(submits(more).count == 2)
        #expect(events(more).first?.message.contains("engines 3 → 5") == true)
        spec.engineCount = 1
        let fewer = world.handle(world.reconciler.updateSpec(spec, now: world.now))
        #expect(deletes(fewer, reason: .scaledDown).count == 4)
    }

    @Test("reload: notebook removed is deleted, added is submitted; a renamed cluster is rejected")
    func reloadRoles() throws {
        var world = World(spec: testSpec(notebook: true))
        world.bringUp()
        let notebook = try #require(world.ids(.notebook).first)
        let removed = world.handle(world.reconciler.updateSpec(testSpec(), now: world.now))
        #expect(deletes(removed, reason: .roleRemoved) == [notebook])
        #expect(world.reconciler.status(now: world.now).roles.map(\.role) == [.controller, .engine])
        world.advance(30)
        world.tick()
        let added = world.handle(world.reconciler.updateSpec(testSpec(notebook: true), now: world.now))
        #expect(submits(added).map(\.role) == [.notebook])

        var renamed = testSpec()
        renamed.name = "other"
        let rejected = world.handle(world.reconciler.updateSpec(renamed, now: world.now))
        #expect(kinds(rejected) == [.reloadRejected])
        #expect(world.reconciler.spec.name == "astro")
    }

    @Test("a spec engine count changed while the daemon was down applies at load")
    func engineCountAtLoad() {
        var world = World()
        world.bringUp()
        world.command(.scale(engines: 5))
        let saved = world.state
        #expect(Reconciler(spec: testSpec(), state: saved).state.engineCount == 5)
        #expect(Reconciler(spec: testSpec(engines: 3), state: saved).state.engineCount == 3)
    }
}
