import ClusterCore
import Foundation
import PBSCore
import Testing

@Suite("Reconciler: crash safety and adoption")
struct ReconcilerAdoptionTests {
    /// What the supervisor does after a crash: reload the persisted JSON, then adopt from a full listing.
    func restart(_ world: World, spec: ClusterSpec = testSpec()) throws -> (World, [ReconcileAction]) {
        let json = try JSONEncoder().encode(world.state)
        let saved = try JSONDecoder().decode(ClusterState.self, from: json)
        var restarted = world
        restarted.reconciler = Reconciler(spec: spec, state: saved)
        let listing = world.server.values.sorted { $0.id < $1.id }
        let actions = restarted.handle(restarted.reconciler.adopt(listing: listing, now: world.now))
        return (restarted, actions)
    }

    /// Runs qsub for the submit actions without telling the reconciler (the daemon dies right after qsub).
    func qsubThenCrash(_ world: inout World, _ actions: [ReconcileAction]) {
        for intent in submits(actions) {
            let id = "\(world.nextNumber).server"
            world.nextNumber += 1
            world.server[id] = PBSJob(
                id: id, name: intent.jobName, state: .queued, rawState: "Q", variables: intent.variables)
        }
    }

    @Test("a job submitted just before a crash is found by its intent tag, not submitted again")
    func orphanIntentFound() throws {
        var world = World()
        world.autoSubmit = false
        let actions = world.tick()
        qsubThenCrash(&world, actions)
        var (restarted, adopted) = try restart(world)
        #expect(kinds(adopted) == [.adopted])
        #expect(submits(adopted).isEmpty)
        #expect(deletes(adopted).isEmpty)
        let tracked = try #require(restarted.state.jobs.first)
        #expect(tracked.jobID == "1.server")
        #expect(tracked.adopted)
        #expect(tracked.firstSeenAt == world.now)
        restarted.autoSubmit = true
        restarted.advance(30)
        #expect(submits(restarted.tick()).isEmpty)
    }

    @Test("an intent whose qsub never ran is dropped and submitted again")
    func intentNotFound() throws {
        var world = World()
        world.autoSubmit = false
        world.tick()
        world.autoSubmit = true
        let (restarted, actions) = try restart(world)
        #expect(kinds(actions).prefix(2) == [.intentDropped, .submitted])
        #expect(submits(actions).map(\.role) == [.controller])
        // Generations only grow: the dropped intent's number is not reused.
        #expect(submits(actions).first?.generation == 2)
        #expect(restarted.state.jobs.count == 1)
        #expect(restarted.server.count == 1)
    }

    @Test("duplicates found at start-up: keep the running controller, delete the newest surplus engine")
    func duplicates() throws {
        var world = World()
        func tagged(_ id: String, _ role: ClusterRole, _ generation: Int, _ state: PBSJobState) -> PBSJob {
            PBSJob(
                id: id, name: "cd-astro-\(role.rawValue)", state: state, rawState: "?", execHosts: ["n1"],
                variables: [
                    "CLUSTERD_CLUSTER": "astro", "CLUSTERD_ROLE": role.rawValue,
                    "CLUSTERD_GENERATION": String(generation), "CLUSTERD_INTENT": "i1-\(id)",
                ])
        }
        let listing = [
            tagged("10.server", .controller, 3, .running),
            tagged("11.server", .controller, 4, .queued),
            tagged("12.server", .engine, 3, .running),
            tagged("13.server", .engine, 3, .running),
            tagged("14.server", .engine, 3, .queued),
            // Another cluster's job and a foreign job are none of our business.
            PBSJob(id: "15.server", name: "cd-astro-engine", state: .running, rawState: "R",
                   variables: ["CLUSTERD_CLUSTER": "other", "CLUSTERD_ROLE": "engine"]),
            PBSJob(id: "16.server", name: "myjob", state: .running, rawState: "R"),
            // A finished job in the history is ignored.
            tagged("9.server", .controller, 2, .finished),
        ]
        for job in listing { world.server[job.id] = job }
        world.autoAddress = false
        let actions = world.handle(world.reconciler.adopt(listing: listing, now: world.now))
        #expect(kinds(actions).filter { $0 == .adopted }.count == 5)
        #expect(deletes(actions, reason: .surplus) == ["11.server"])
        #expect(deletes(actions, reason: .scaledDown) == ["14.server"])
        #expect(submits(actions).isEmpty)
        #expect(addressReads(actions) == ["10.server"])
        #expect(world.state.controllerGeneration == 4)
        #expect(world.ids(.controller) == ["10.server"])
        #expect(Set(world.ids(.engine)) == ["12.server", "13.server"])
        #expect(!world.state.jobs.contains { ["15.server", "16.server", "9.server"].contains($0.jobID) })
        // When the address arrives the engines of generation 3 stay: they belong to that controller.
        let handoff = world.handle(world.reconciler.controllerAddress(
            jobID: "10.server", address: "10.0.0.3", now: world.now))
        #expect(handoffWrites(handoff).first?.generation == 3)
        #expect(deletes(handoff).isEmpty)
        #expect(submits(handoff).isEmpty)
    }

    @Test("two jobs carrying the same intent: one is adopted for it, the other deleted")
    func sameIntentTwice() throws {
        var world = World(spec: testSpec(engines: 1))
        world.autoSubmit = false
        let actions = world.tick()
        qsubThenCrash(&world, actions)
        qsubThenCrash(&world, actions)  // qsub retried by hand, say
        let (restarted, adopted) = try restart(world, spec: testSpec(engines: 1))
        #expect(restarted.ids(.controller) == ["1.server"])
        #expect(deletes(adopted, reason: .surplus) == ["2.server"])
        #expect(restarted.state.jobs.contains { $0.intent.rawValue == "duplicate-2.server" })
    }

    @Test("Slurm wrappers list no variables: a pending intent is matched by job name and role")
    func slurmNameFallback() throws {
        var world = World()
        world.autoSubmit = false
        let actions = world.tick()
        let intent = try #require(submits(actions).first)
        world.server["12"] = PBSJob(id: "12", name: intent.jobName, state: .running, rawState: "R",
                                    startTime: Int(world.now.seconds))
        world.autoAddress = false
        let (restarted, adopted) = try restart(world)
        #expect(kinds(adopted) == [.adopted, .running])
        #expect(restarted.state.jobs.first?.intent == intent.intent)
        #expect(restarted.state.jobs.first?.jobID == "12")
        #expect(addressReads(adopted) == ["12"])
        // An untagged engine found by name joins the current controller generation.
        var listing = Array(restarted.server.values)
        listing.append(PBSJob(id: "13", name: "cd-astro-engine", state: .queued, rawState: "Q"))
        var again = restarted
        again.reconciler = Reconciler(spec: testSpec(), state: restarted.state)
        let more = again.handle(again.reconciler.adopt(listing: listing, now: again.now))
        #expect(kinds(more).contains(.adopted))
        #expect(again.state.jobs.first { $0.jobID == "13" }?.generation == 1)
    }

    @Test("a tracked job that ended while the daemon was down is handled at adoption")
    func endedWhileDown() throws {
        var world = World()
        world.bringUp()
        let engine = try #require(world.ids(.engine).first)
        world.end(engine, exit: 1)
        world.advance(600)
        let (restarted, actions) = try restart(world)
        #expect(kinds(actions).contains(.died))
        #expect(kinds(actions).contains(.restarting))
        #expect(!restarted.state.jobs.contains { $0.jobID == engine })
        // A tracked job absent from the listing is left to the next tick.
        var other = world
        let missing = try #require(world.ids(.engine).last)
        other.server[missing] = nil
        let (kept, _) = try restart(other)
        #expect(kept.state.jobs.contains { $0.jobID == missing })
    }

    @Test("kill -9 after every call, before or after qsub: never a duplicate, never a lost job")
    func crashEverywhere() throws {
        for qsubRan in [false, true] {
            var world = World(spec: testSpec(notebook: true))
            world.autoSubmit = false
            for step in 0..<12 {
                let actions = world.tick()
                if qsubRan { qsubThenCrash(&world, actions) }
                world.autoSubmit = true
                world = try restart(world, spec: testSpec(notebook: true)).0
                world.autoSubmit = false
                // Everything alive on the server is tracked exactly once.
                let alive = world.server.values.filter { !$0.state.isTerminal }.map(\.id)
                let tracked = world.state.jobs.compactMap(\.jobID)
                #expect(Set(alive).isSubset(of: Set(tracked)), "step \(step)")
                #expect(tracked.count == Set(tracked).count)
                for role in ClusterRole.allCases {
                    let wanted = role == .engine ? 2 : 1
                    #expect(world.state.jobs.filter { $0.role == role && $0.retiring == nil }.count <= wanted)
                }
                for id in world.server.keys where world.server[id]?.state == .queued { world.run(id) }
                world.advance(30)
            }
            #expect(world.live(.controller).count == 1)
            #expect(world.live(.engine).count == 2)
            #expect(world.live(.notebook).count == 1)
            #expect(world.server.values.filter { !$0.state.isTerminal }.count == 4)
        }
    }
}
