import ClusterCore
import PBSCore
import Testing

@Suite("Reconciler: start-up order and handoff")
struct ReconcilerStartupTests {
    @Test("first tick submits only the controller, tagged and named")
    func controllerFirst() throws {
        var world = World()
        world.autoSubmit = false
        let actions = world.tick()
        let submitted = submits(actions)
        #expect(submitted.count == 1)
        let controller = try #require(submitted.first)
        #expect(controller.role == .controller)
        #expect(controller.generation == 1)
        #expect(controller.jobName == "cd-astro-controller")
        #expect(controller.dependAfter == nil)
        #expect(controller.reason == .wanted)
        #expect(controller.variables == [
            "CLUSTERD_CLUSTER": "astro", "CLUSTERD_ROLE": "controller", "CLUSTERD_GENERATION": "1",
            "CLUSTERD_INTENT": controller.intent.rawValue,
        ])
        #expect(controller.sortedVariables.map(\.name) == [
            "CLUSTERD_CLUSTER", "CLUSTERD_GENERATION", "CLUSTERD_INTENT", "CLUSTERD_ROLE",
        ])
        // The intent is recorded before qsub runs, and is not submitted twice while qsub is pending.
        #expect(world.state.jobs.map(\.intent) == [controller.intent])
        #expect(world.state.jobs.first?.jobID == nil)
        world.advance(30)
        #expect(submits(world.tick()).isEmpty)
    }

    @Test("engines wait for the controller to run and report its address")
    func enginesAfterHandoff() throws {
        var world = World()
        world.autoAddress = false
        world.tick()
        let controller = try #require(world.ids(.controller).first)
        world.advance(30)
        var actions = world.tick()  // queued
        #expect(submits(actions).isEmpty)
        #expect(addressReads(actions).isEmpty)
        world.run(controller)
        world.advance(30)
        actions = world.tick()
        #expect(kinds(actions).contains(.running))
        #expect(addressReads(actions) == [controller])
        #expect(submits(actions).isEmpty)

        actions = world.handle(world.reconciler.controllerAddress(jobID: controller, address: "10.1.2.3",
                                                                   now: world.now))
        let handoff = try #require(handoffWrites(actions).first)
        #expect(handoff.address == "10.1.2.3")
        #expect(handoff.jobID == controller)
        #expect(handoff.generation == 1)
        #expect(!handoff.stale)
        let engines = submits(actions)
        #expect(engines.count == 2)
        #expect(engines.allSatisfy { $0.role == .engine && $0.generation == 1 && $0.dependAfter == nil })
        #expect(engines.allSatisfy { $0.variables["CLUSTERD_GENERATION"] == "1" })
        // writeHandoff comes before the engine submissions.
        let writeIndex = try #require(actions.firstIndex { if case .writeHandoff = $0 { true } else { false } })
        let submitIndex = try #require(actions.firstIndex { if case .submit = $0 { true } else { false } })
        #expect(writeIndex < submitIndex)
        #expect(!kinds(actions).contains(.enginesFollow))

        // The same address again changes nothing; the address is not asked for again.
        #expect(world.reconciler.controllerAddress(jobID: controller, address: "10.1.2.3", now: world.now)
            .isEmpty)
        world.advance(30)
        #expect(addressReads(world.tick()).isEmpty)
    }

    @Test("a missing address is reported once and asked for every tick")
    func missingAddress() throws {
        var world = World()
        world.autoAddress = false
        world.tick()
        let controller = try #require(world.ids(.controller).first)
        world.run(controller)
        world.advance(30)
        #expect(addressReads(world.tick()) == [controller])
        let first = world.reconciler.controllerAddress(jobID: controller, address: nil, now: world.now)
        #expect(kinds(first) == [.addressUnavailable])
        #expect(world.reconciler.controllerAddress(jobID: controller, address: "", now: world.now).isEmpty)
        world.advance(30)
        let next = world.tick()
        #expect(addressReads(next) == [controller])
        #expect(submits(next).isEmpty)
        #expect(world.state.handoff == nil)
    }

    @Test("with depend=after, engines are submitted as soon as the controller has a job id")
    func dependAfter() throws {
        var world = World(spec: testSpec(dependAfter: true))
        let actions = world.tick()
        let controller = try #require(world.ids(.controller).first)
        let engines = submits(actions).filter { $0.role == .engine }
        #expect(engines.count == 2)
        #expect(engines.allSatisfy { $0.dependAfter == controller && $0.generation == 1 })
        // Once the handoff is written, no dependency is needed for replacements.
        world.run(controller)
        world.advance(30)
        world.tick()
        #expect(world.state.handoff?.jobID == controller)
        let engine = try #require(world.ids(.engine).first)
        world.end(engine, exit: 1)
        world.advance(30)
        world.tick()
        world.advance(10)
        let replacement = try #require(submits(world.tick()).first)
        #expect(replacement.role == .engine)
        #expect(replacement.dependAfter == nil)
    }

    @Test("the notebook starts independently of the controller")
    func notebookIndependent() {
        var world = World(spec: testSpec(notebook: true))
        let roles = submits(world.tick()).map(\.role)
        #expect(roles == [.controller, .notebook])
        #expect(submits(world.tick()).isEmpty)
    }

    @Test("job names are trimmed to the scheduler's limit, keeping the role")
    func jobNames() {
        #expect(testSpec().jobName(for: .engine) == "cd-astro-engine")
        let classic = testSpec(jobNameLimit: 15)
        #expect(classic.jobName(for: .controller) == "cd-astro-ctl")
        #expect(classic.jobName(for: .engine) == "cd-astro-engine")
        #expect(classic.jobName(for: .notebook) == "cd-astro-nb")
        var long = classic
        long.name = "verylongclustername"
        #expect(long.jobName(for: .controller) == "cd-verylong-ctl")
        #expect(long.jobName(for: .controller).count == 15)
        #expect(long.jobName(for: .notebook) == "cd-verylongc-nb")
        long.jobNameLimit = 5
        #expect(long.jobName(for: .engine) == "cd-ve")
    }

    @Test("the whole bring-up reaches the steady state and then stays quiet")
    func steadyState() {
        var world = World(spec: testSpec(notebook: true))
        world.bringUp()
        #expect(world.live(.controller).count == 1)
        #expect(world.live(.engine).count == 2)
        #expect(world.live(.notebook).count == 1)
        #expect(world.state.jobs.allSatisfy { $0.isRunning })
        for _ in 0..<50 {
            world.advance(30)
            // Quiet: only the controller's health report is read, once per tick.
            #expect(world.tick() == [.readControllerHealth(jobID: world.ids(.controller)[0])])
        }
    }
}
