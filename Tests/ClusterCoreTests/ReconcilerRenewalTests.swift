import ClusterCore
import PBSCore
import Testing

@Suite("Reconciler: walltime renewal")
struct ReconcilerRenewalTests {
    /// Renewal 600 s before the end of a 3600 s walltime, for `roles` only.
    func renewingSpec(_ roles: Set<ClusterRole>) -> ClusterSpec {
        var spec = testSpec()
        if roles.contains(.controller) { spec.controller.renewBefore = 600 }
        if roles.contains(.engine) { spec.engine.renewBefore = 600 }
        return spec
    }

    @Test("an engine is renewed when less than the margin is left; the old one goes when the new one runs")
    func engineRenewal() throws {
        var world = World(spec: renewingSpec([.engine]))
        world.walltime = 3600
        world.bringUp()
        let old = try #require(world.live(.engine).first)
        let started = try #require(old.runningSince)
        #expect(world.reconciler.status(now: world.now).roles[1].jobs[0].walltimeLeft == started + 3600 - world.now)

        world.now = started + 2999  // 601 s left
        #expect(decisions(world.tick()).isEmpty)
        world.now = started + 3001  // 599 s left: both engines started together, both renew
        let actions = world.tick()
        let renewals = submits(actions)
        #expect(renewals.count == 2)
        #expect(renewals.allSatisfy { $0.role == .engine && $0.reason == .renewal && $0.generation == 1 })
        #expect(kinds(actions).filter { $0 == .renewing }.count == 2)
        #expect(world.state.jobs.first { $0.jobID == old.jobID }?.replacedBy == renewals.first?.intent)
        world.advance(30)
        #expect(decisions(world.tick()).isEmpty)  // replacements queued: nothing else happens

        for id in world.live(.engine).filter({ $0.replacedBy == nil }).compactMap(\.jobID) { world.run(id) }
        world.advance(30)
        let takeover = world.tick()
        #expect(deletes(takeover, reason: .renewed).count == 2)
        #expect(deletes(takeover, reason: .renewed).contains(try #require(old.jobID)))
        #expect(kinds(takeover).filter { $0 == .renewed }.count == 2)
        world.advance(30)
        let gone = world.tick()
        #expect(kinds(gone).filter { $0 == .ended }.count == 2)
        #expect(submits(gone).isEmpty)
        #expect(world.state.engine.restarts == 0)
        #expect(world.state.engine.failedStarts.isEmpty)
        #expect(world.live(.engine).count == 2)
    }

    /// Regression: scaling down took the newest job, the fresh replacement; the old job then counted again, was
    /// renewed again at once, and the two rules fed each other a qsub/qdel storm.
    @Test("scaling down while renewals are pending removes whole slots and settles")
    func scaleDownDuringRenewal() throws {
        var world = World(spec: renewingSpec([.engine]))
        world.walltime = 3600
        world.bringUp()
        let started = try #require(world.live(.engine).first?.runningSince)
        world.now = started + 3001
        #expect(submits(world.tick()).count == 2)  // both engines renewing
        let before = world.log.count
        let actions = world.command(.scale(engines: 1))
        #expect(world.log.count - before < 50, "the reconciler settles")
        #expect(submits(actions).isEmpty)
        #expect(deletes(actions, reason: .scaledDown).count == 2, "the old job and its replacement both go")
        // One slot left: an old engine and its queued replacement.
        let live = world.state.jobs.filter { $0.role == .engine && $0.retiring == nil }
        #expect(live.count == 2)
        #expect(live.filter { $0.replacedBy != nil }.count == 1)
        world.advance(30)
        #expect(submits(world.tick()).isEmpty)
    }

    @Test("remaining walltime uses resources_used when it is smaller")
    func usedWalltime() throws {
        var world = World(spec: renewingSpec([.engine]))
        world.walltime = 3600
        world.bringUp()
        let engine = try #require(world.ids(.engine).first)
        world.server[engine]?.walltimeUsed = 3100  // e.g. suspended time not in the wall clock
        world.advance(30)
        let actions = world.tick()
        #expect(submits(actions).count == 1)
        #expect(world.state.jobs.first { $0.jobID == engine }?.replacedBy != nil)
    }

    @Test("the spec's walltime is used when qstat reports none; no walltime means no renewal")
    func specWalltime() throws {
        var spec = renewingSpec([.engine])
        var world = World(spec: spec)
        world.bringUp()
        world.advance(100_000)
        #expect(decisions(world.tick()).isEmpty)
        spec.engine.walltime = 3600
        var withSpec = World(spec: spec)
        withSpec.bringUp()
        withSpec.advance(3000)
        #expect(submits(withSpec.tick()).count == 2)
    }

    @Test("controller renewal: engines move first inside their jobs, clients once they are there, then the old goes")
    func controllerRenewal() throws {
        var world = World(spec: renewingSpec([.controller]))
        world.walltime = 3600
        world.bringUp()
        let oldController = try #require(world.live(.controller).first)
        let oldEngines = world.ids(.engine)
        world.now = try #require(oldController.runningSince) + 3001
        var actions = world.tick()
        let renewal = try #require(submits(actions).first)
        #expect(submits(actions).count == 1)
        #expect(renewal.role == .controller && renewal.generation == 2 && renewal.reason == .renewal)
        #expect(kinds(actions).contains(.renewing))
        #expect(deletes(actions).isEmpty)
        #expect(world.state.handoff?.generation == 1)

        world.advance(30)
        actions = world.tick()  // new controller queued: the old one keeps serving
        #expect(submits(actions).isEmpty && deletes(actions).isEmpty && handoffWrites(actions).isEmpty)
        let newController = try #require(world.live(.controller).first { $0.generation == 2 }?.jobID)
        world.run(newController)
        world.advance(30)
        actions = world.tick()
        #expect(addressReads(actions) == [newController])
        // Phase one: the engines' part moves; clients stay with the old controller, which keeps its engines.
        let moving = try #require(handoffWrites(actions).first)
        #expect(moving.generation == 1 && moving.jobID == oldController.jobID)
        #expect(moving.engines?.jobID == newController)
        #expect(moving.engines?.expected == 2, "as many engines as the old controller had")
        #expect(kinds(actions).contains(.enginesMoving))
        #expect(deletes(actions).isEmpty)

        // Phase two: once the engines registered with the new controller, clients follow and the old one goes.
        world.advance(30)
        actions = world.tick()
        #expect(handoffWrites(actions).last?.generation == 2)
        #expect(handoffWrites(actions).last?.engines == nil)
        #expect(deletes(actions, reason: .renewed) == [oldController.jobID].compactMap { $0 })
        #expect(deletes(actions, reason: .controllerReplaced).isEmpty)
        #expect(submits(actions).isEmpty, "no engine job is resubmitted")
        #expect(world.ids(.engine) == oldEngines)
        #expect(kinds(actions).contains(.renewed))
        #expect(kinds(actions).contains(.enginesFollow))
        // The old controller's deletion does not make the new handoff stale.
        #expect(!handoffWrites(actions).contains { $0.stale })

        world.advance(30)
        actions = world.tick()
        #expect(kinds(actions).filter { $0 == .ended }.count == 1)
        #expect(submits(actions).isEmpty)
        #expect(world.state.controller.restarts == 0)
        #expect(world.state.engine.restarts == 0)
        #expect(world.state.handoff?.stale == false)
    }

    /// A controller renewal up to the point where the engines were told to move: (world, old job, new job).
    func movingWorld(healthAtTarget: Bool) throws -> (World, String, String) {
        var world = World(spec: renewingSpec([.controller]))
        world.walltime = 3600
        world.bringUp()
        let old = try #require(world.live(.controller).first)
        world.now = try #require(old.runningSince) + 3001
        world.tick()
        let new = try #require(world.live(.controller).first { $0.generation == 2 }?.jobID)
        world.run(new)
        world.advance(30)
        world.autoHealth = healthAtTarget
        world.tick()
        #expect(world.state.handoff?.engines?.jobID == new)
        return (world, try #require(old.jobID), new)
    }

    @Test("a clock stepped back during a move (NTP) never shows a negative duration")
    func clockSteppedBackDuringMove() throws {
        var (world, _, new) = try movingWorld(healthAtTarget: true)
        world.now = Timestamp(world.now.seconds - 600)
        let messages = events(world.tick()).map(\.message)
        #expect(world.state.handoff?.jobID == new)
        #expect(messages.contains { $0.contains("registered there after 0 s") }, "\(messages)")
        #expect(!messages.contains { $0.contains(" -") }, "\(messages)")
    }

    @Test("a planned move gives up waiting after switchTimeout, and the old controller dying moves clients at once")
    func slowOrInterruptedMove() throws {
        for dies in [false, true] {
            // The engines never show up at the new controller.
            var (world, old, new) = try movingWorld(healthAtTarget: false)
            world.advance(30)
            world.tick()
            #expect(world.state.handoff?.jobID == old, "clients wait for the engines")
            if dies {
                world.end(old, exit: -29)
                world.advance(30)
            } else {
                world.advance(80)  // 110 s after the engines were told to move
                world.tick()
                #expect(world.state.handoff?.jobID == old, "before switchTimeout (120 s)")
                world.advance(20)
            }
            world.tick()
            #expect(world.state.handoff?.jobID == new, dies ? "the old controller died" : "switch timeout")
            #expect(world.state.handoff?.stale == false)
            #expect(world.state.handoff?.engines == nil)
        }
    }

    @Test("a new controller that dies during the move sends the engines back")
    func targetDiesDuringMove() throws {
        var (world, old, new) = try movingWorld(healthAtTarget: false)
        world.end(new, exit: 1)
        world.advance(30)
        let actions = world.tick()
        #expect(world.state.handoff?.jobID == old)
        #expect(world.state.handoff?.engines == nil)
        #expect(world.state.handoff?.stale == false)
        #expect(handoffWrites(actions).last?.engines == nil)
    }

    @Test("the old job reaching its walltime before the replacement runs is not a failure")
    func oldEndsFirst() throws {
        var world = World(spec: renewingSpec([.controller]))
        world.walltime = 3600
        world.bringUp()
        let oldController = try #require(world.live(.controller).first)
        world.now = try #require(oldController.runningSince) + 3001
        world.tick()
        world.now = try #require(oldController.runningSince) + 3630
        world.end(try #require(oldController.jobID), exit: -29)
        let actions = world.tick()
        let died = try #require(events(actions).first { $0.kind == .died })
        #expect(died.message.contains("renewal"))
        #expect(died.message.contains("walltime exceeded (exit status -29)"))
        #expect(world.state.handoff?.stale == true)
        #expect(deletes(actions).isEmpty, "the engines wait for the replacement")
        #expect(submits(actions).isEmpty)
        #expect(!kinds(actions).contains(.restarting))
        #expect(world.state.controller.failedStarts.isEmpty)
        #expect(world.live(.controller).count == 1)
    }

    @Test("a replacement that dies before running is a failed start, and renewal is tried again")
    func replacementDies() throws {
        var world = World(spec: renewingSpec([.engine]))
        world.walltime = 3600
        world.bringUp()
        world.command(.scale(engines: 1))
        let old = try #require(world.live(.engine).first)
        world.now = try #require(old.runningSince) + 3100
        world.tick()
        let replacement = try #require(world.live(.engine).first { $0.replacedBy == nil }?.jobID)
        world.end(replacement, exit: 1)
        world.advance(30)
        let actions = world.tick()
        #expect(kinds(actions).contains(.restarting))
        #expect(world.state.engine.failedStarts.count == 1)
        #expect(world.state.jobs.first { $0.jobID == old.jobID }?.replacedBy == nil)
        world.advance(10)
        let again = world.tick()
        #expect(submits(again).map(\.reason) == [.renewal])
    }
}
