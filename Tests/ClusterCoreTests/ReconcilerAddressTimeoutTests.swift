import ClusterCore
import PBSCore
import Testing

@Suite("Reconciler: a running controller that never reports its address")
struct ReconcilerAddressTimeoutTests {
    /// Submits the controller, runs it silent, and ticks every 30 s until `seconds` have passed since it started.
    static func silentController(_ world: inout World, for seconds: Double) throws -> (String, [ReconcileAction]) {
        world.tick()
        let controller = try #require(world.ids(.controller).first)
        world.silent.insert(controller)
        world.run(controller)
        var actions: [ReconcileAction] = []
        var waited = 0.0
        while waited < seconds {
            world.advance(30)
            waited += 30
            actions += world.tick()
        }
        return (controller, actions)
    }

    @Test("deleted after address_timeout and replaced after the backoff, as a failed start")
    func replacedAfterTimeout() throws {
        var world = World()
        var (controller, actions) = try Self.silentController(&world, for: 570)
        #expect(kinds(actions).filter { $0 == .addressUnavailable }.count == 1, "reported once")
        #expect(deletes(actions).isEmpty)

        world.advance(30)
        actions = world.tick()
        #expect(deletes(actions, reason: .addressTimeout) == [controller])
        let timeout = try #require(events(actions).first { $0.kind == .addressTimeout })
        #expect(timeout.jobID == controller)
        #expect(timeout.message.contains("has run 10m without reporting its address (address_timeout 10m)"))
        let restarting = try #require(events(actions).first { $0.kind == .restarting })
        #expect(restarting.delay == 10)
        #expect(restarting.message.contains("no address after 10m"))
        #expect(world.state.controller.failedStarts == [world.now])
        #expect(world.state.controller.restarts == 1)
        #expect(submits(actions).isEmpty, "the backoff comes first")

        // The deleted job's end is not a second failure; the replacement comes once the backoff is over.
        world.advance(10)
        actions = world.tick()
        #expect(kinds(actions).contains(.ended))
        #expect(world.state.controller.failedStarts.count == 1)
        let replacement = try #require(submits(actions).first)
        #expect(replacement.role == .controller)
        #expect(replacement.generation == 2)
        #expect(replacement.reason == .restart)
        controller = try #require(world.ids(.controller).first)
        world.run(controller)
        world.advance(30)
        actions = world.tick()
        #expect(handoffWrites(actions).first?.jobID == controller, "a controller that reports is kept")
        #expect(submits(actions).filter { $0.role == .engine }.count == 2)
    }

    /// Like systemd's start timeouts: each timeout is a failed start inside the start-limit window, so the window
    /// must be long enough to hold `burst` timeouts for the limit to trip.
    @Test("silent controllers run into the start limit: the role fails and qsub stops")
    func startLimit() throws {
        var spec = testSpec()
        spec.controller.startLimitInterval = 3_600
        var world = World(spec: spec)
        world.tick()
        var controllerSubmissions = 1
        for _ in 0..<100 {
            for id in world.ids(.controller) where world.server[id]?.state == .queued {
                world.silent.insert(id)
                world.run(id)
            }
            world.advance(30)
            controllerSubmissions += submits(world.tick()).filter { $0.role == .controller }.count
        }
        #expect(world.state.controller.hold?.kind == .failed)
        #expect(world.state.controller.hold?.reason.contains("no address after 10m") == true)
        #expect(controllerSubmissions == 3, "the start limit is 3 failed starts")
        #expect(world.state.controller.failedStarts.count == 3)
        #expect(world.live(.controller).isEmpty)
        #expect(world.ids(.engine).isEmpty, "engines never started without an address")
    }

    @Test("a late report within the timeout is taken; a long-running controller whose report is there is kept")
    func reportsAreReadBeforeTheVerdict() throws {
        var world = World()
        let (controller, _) = try Self.silentController(&world, for: 540)
        world.silent.remove(controller)
        world.advance(30)
        let actions = world.tick()
        #expect(handoffWrites(actions).first?.jobID == controller)
        #expect(deletes(actions).isEmpty)

        // A daemon that was down for an hour: the controller has run far longer than the timeout, but the check
        // follows the read, and the report is there.
        var restarted = World()
        restarted.autoAddress = false
        restarted.tick()
        let adopted = try #require(restarted.ids(.controller).first)
        restarted.run(adopted)
        restarted.advance(3_600)
        restarted.autoAddress = true
        let later = restarted.tick()
        #expect(handoffWrites(later).first?.jobID == adopted)
        #expect(deletes(later).isEmpty)
    }

    @Test("address_timeout = 0 waits forever")
    func off() throws {
        var world = World(spec: testSpec(addressTimeout: nil))
        let (controller, actions) = try Self.silentController(&world, for: 36_000)
        #expect(deletes(actions).isEmpty)
        #expect(world.ids(.controller) == [controller])
        #expect(world.state.controller.failedStarts.isEmpty)
    }

    @Test("a silent renewal replacement goes; the old controller keeps the handoff and is renewed again")
    func silentRenewal() throws {
        var world = World(spec: testSpec(renewBefore: 900))
        world.walltime = 3_600
        world.bringUp()
        let old = try #require(world.ids(.controller).first)
        let handoff = try #require(world.state.handoff)
        // 60 s into the run; the renewal starts when less than 900 s are left, at 2700 s.
        var replacement: String?
        for _ in 0..<100 where replacement == nil {
            world.advance(30)
            world.tick()
            replacement = world.state.jobs.first { $0.role == .controller && $0.jobID != old }?.jobID
        }
        let silent = try #require(replacement)
        world.silent.insert(silent)
        world.run(silent)
        var actions: [ReconcileAction] = []
        for _ in 0..<21 {
            world.advance(30)
            actions += world.tick()
        }
        #expect(deletes(actions, reason: .addressTimeout) == [silent])
        #expect(world.state.handoff == handoff, "the handoff still points at the old controller")
        #expect(world.ids(.controller).contains(old))
        #expect(world.state.controller.failedStarts.count == 1)
        let renewedAgain = world.state.jobs.filter { $0.role == .controller && $0.jobID != old && $0.jobID != silent }
        #expect(renewedAgain.count == 1, "after the backoff a new replacement is on its way")
    }
}
