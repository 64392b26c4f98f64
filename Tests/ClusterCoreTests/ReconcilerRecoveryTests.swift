import ClusterCore
import PBSCore
import Testing

@Suite("Reconciler: recovery when faults meet")
struct ReconcilerRecoveryTests {
    func job(_ id: String, _ role: ClusterRole, intent: String?, name: String? = nil) -> PBSJob {
        var variables = ["CLUSTERD_CLUSTER": "astro", "CLUSTERD_ROLE": role.rawValue, "CLUSTERD_GENERATION": "1"]
        variables["CLUSTERD_INTENT"] = intent
        return PBSJob(id: id, name: name ?? "cd-astro-\(role.rawValue)", state: .running, rawState: "R",
                      variables: intent == nil && name != nil ? [:] : variables)
    }

    @Test("a sweep adopts own jobs nobody tracks and deletes what is not wanted")
    func sweepAdoptsStrays() throws {
        var world = World()
        world.bringUp()
        let stray = job("99.server", .engine, intent: "i5-77")
        world.server[stray.id] = stray
        let actions = world.handle(world.reconciler.sweep(listing: Array(world.server.values), now: world.now))
        #expect(kinds(actions).contains(.adopted))
        #expect(deletes(actions, reason: .scaledDown) == ["99.server"], "the newest engine is the surplus")
        #expect(world.live(.engine).count == 2)
    }

    @Test("a sweep leaves jobs that may belong to a qsub still running")
    func sweepLeavesInFlightSubmissions() throws {
        var world = World()
        world.bringUp()
        // An engine intent whose qsub has not returned yet.
        world.autoSubmit = false
        world.command(.scale(engines: 3))
        let pending = try #require(world.state.jobs.first { $0.jobID == nil })
        // Its job is already listed (tagged with the intent), and an untagged one of the same role (Slurm).
        let tagged = job("50.server", .engine, intent: pending.intent.rawValue)
        let untagged = job("51.server", .engine, intent: nil, name: "cd-astro-engine")
        let actions = world.reconciler.sweep(listing: [tagged, untagged], now: world.now)
        #expect(!kinds(actions).contains(.adopted))
        #expect(deletes(actions).isEmpty)
        // qsub returns: the job is tracked once, under its intent.
        _ = world.reconciler.submitted(intent: pending.intent, jobID: "50.server", now: world.now)
        #expect(world.state.jobs.filter { $0.jobID == "50.server" }.count == 1)
    }

    @Test("deletions recorded before a restart are sent at the first tick, not after deleteRetryAfter")
    func pendingDeletionsAfterRestart() throws {
        var world = World()
        world.bringUp()
        world.autoDelete = false
        world.command(.scale(engines: 1))
        #expect(world.state.jobs.first { $0.retiring != nil }?.deleteRequestedAt != nil)
        // Crash right after the state was saved: qdel never ran. The restart finds the deletion due.
        world.reconciler = Reconciler(spec: world.reconciler.spec, state: world.state)
        world.advance(30)
        #expect(deletes(world.tick()).count == 1)
        // Without a restart the same deletion waits deleteRetryAfter (120 s here).
        world.advance(30)
        #expect(deletes(world.tick()).isEmpty)
    }

    @Test("a controller renewal waits for the handoff file: the old controller stays while writes fail")
    func renewalWaitsForTheHandoffFile() throws {
        var spec = testSpec()
        spec.controller.renewBefore = 600
        var world = World(spec: spec)
        world.walltime = 3600
        world.bringUp()
        let old = try #require(world.ids(.controller).first)
        let started = try #require(world.live(.controller).first?.runningSince)
        world.now = started + 3001
        _ = world.tick()
        let replacement = try #require(world.state.jobs.first { $0.role == .controller && $0.jobID != old }?.jobID)
        world.run(replacement)
        world.autoWrite = false
        world.advance(30)
        var actions = world.tick()
        #expect(kinds(actions).contains(.handoffWriteFailed))
        #expect(deletes(actions).isEmpty, "nothing moves while the file still names \(old)")
        #expect(world.state.handoffOnDisk?.jobID == old)
        #expect(world.state.handoffOnDisk?.engines == nil, "the engines were not told to move either")
        #expect(world.state.handoff?.engines?.jobID == replacement)
        world.advance(30)
        actions = world.tick()
        #expect(handoffWrites(actions).count == 1, "written again every tick")
        #expect(!kinds(actions).contains(.handoffWriteFailed), "the same failure is reported once")

        world.autoWrite = true
        world.advance(30)
        actions = world.tick()
        #expect(world.state.handoffOnDisk?.jobID == replacement)
        #expect(deletes(actions, reason: .renewed) == [old])
        #expect(kinds(actions).contains(.enginesFollow))
    }

    @Test("a tick's submissions are bounded; results fed back do not refill the budget")
    func submitBudget() throws {
        var spec = testSpec(engines: 0)
        spec.submitBurst = 3
        var world = World(spec: spec)
        world.bringUp()
        let actions = world.command(.scale(engines: 20))
        #expect(submits(actions).count <= 3)
        world.advance(30)
        #expect(submits(world.tick()).count == 3)
        #expect(world.live(.engine).count <= 6)
        for _ in 0..<10 {
            world.advance(30)
            world.tick()
        }
        #expect(world.live(.engine).count == 20)
    }
}
