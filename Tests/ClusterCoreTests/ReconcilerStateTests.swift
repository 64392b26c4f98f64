import ClusterCore
import Foundation
import PBSCore
import Testing

@Suite("Reconciler: persisted state and status view")
struct ReconcilerStateTests {
    /// A state with every kind of content: handoff, holds, backoff, renewal links, retiring jobs, stale flag.
    func busyWorld() throws -> World {
        var spec = testSpec(notebook: true)
        spec.engine.renewBefore = 600
        var world = World(spec: spec)
        world.walltime = 3600
        world.autoDelete = false
        world.bringUp()
        let engine = try #require(world.live(.engine).first)
        world.now = try #require(engine.runningSince) + 3100
        world.tick()  // renewals pending
        let notebook = try #require(world.ids(.notebook).first)
        world.end(notebook, exit: 0)
        world.advance(30)
        world.tick()  // notebook exited (hold)
        world.command(.scale(engines: 1))
        world.autoSubmit = false
        world.command(.restart(.controller))  // pending intent, retiring controller, stale handoff
        world.failedTick()
        return world
    }

    @Test("the state round-trips through JSON and decides the same afterwards")
    func jsonRoundTrip() throws {
        let world = try busyWorld()
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let json = try encoder.encode(world.state)
        let decoded = try JSONDecoder().decode(ClusterState.self, from: json)
        #expect(decoded == world.state)
        #expect(decoded.handoff?.stale == true)
        #expect(decoded.notebook.hold?.kind == .exited)
        #expect(decoded.jobs.contains { $0.jobID == nil })
        #expect(decoded.jobs.contains { $0.retiring != nil })
        #expect(decoded.stale)
        let text = try #require(String(data: json, encoding: .utf8))
        #expect(text.contains("\"staleSince\":"))
        #expect(text.contains("\"cluster\":\"astro\""))

        // Both restart from a state (deletions recorded before a restart are due at once): one from memory, one
        // from the decoded JSON.
        var original = world
        var reloaded = world
        original.reconciler = Reconciler(spec: world.reconciler.spec, state: world.state)
        reloaded.reconciler = Reconciler(spec: world.reconciler.spec, state: decoded)
        original.advance(30)
        reloaded.advance(30)
        #expect(original.tick() == reloaded.tick())
        #expect(original.state == reloaded.state)
    }

    @Test("the spec and commands round-trip through JSON too")
    func specRoundTrip() throws {
        let spec = testSpec(notebook: true, dependAfter: true, restart: .always, renewBefore: 900)
        let data = try JSONEncoder().encode(spec)
        #expect(try JSONDecoder().decode(ClusterSpec.self, from: data) == spec)
        let commands: [ControlCommand] = [.start(nil), .stop(.engine), .restart(.controller), .reset(nil),
                                          .scale(engines: 3)]
        let encoded = try JSONEncoder().encode(commands)
        #expect(try JSONDecoder().decode([ControlCommand].self, from: encoded) == commands)
    }

    @Test("status shows wanted and actual jobs, hosts, walltime left, backoff, holds and the handoff")
    func status() throws {
        var world = World(spec: testSpec(notebook: true))
        world.walltime = 7200
        world.bringUp()
        let notebook = try #require(world.ids(.notebook).first)
        world.end(notebook, exit: 0)
        let engine = try #require(world.ids(.engine).first)
        world.end(engine, exit: 1)
        world.advance(30)
        world.tick()
        world.advance(2)
        let status = world.reconciler.status(now: world.now)
        #expect(status.cluster == "astro")
        #expect(!status.stale)
        #expect(status.handoff?.address == world.address(of: world.ids(.controller)[0]))
        #expect(status.roles.map(\.role) == [.controller, .engine, .notebook])

        let controller = status.roles[0]
        #expect(controller.wantedJobs == 1)
        #expect(controller.desired == .running)
        let job = try #require(controller.jobs.first)
        #expect(job.state == "running")
        #expect(job.host == "node1")
        #expect(job.generation == 1)
        #expect(job.walltimeLeft == 7108.0)  // 7200 s requested, started 92 s ago
        #expect(job.startedAt == Timestamp(1_000_000))

        let engines = status.roles[1]
        #expect(engines.wantedJobs == 2)
        #expect(engines.jobs.count == 1)
        #expect(engines.backoffUntil == world.now + 8)
        #expect(engines.restarts == 1)
        #expect(engines.recentFailedStarts == 1)  // it ran 30 s, less than the 80 s that count as stable
        #expect(engines.lastExit?.exitStatus == 1)
        #expect(engines.lastExit?.jobID == engine)

        let notebookStatus = status.roles[2]
        #expect(notebookStatus.hold?.kind == .exited)
        #expect(notebookStatus.jobs.isEmpty)

        // A pending submission shows as "submitting".
        world.autoSubmit = false
        world.advance(8)
        world.tick()
        #expect(world.reconciler.status(now: world.now).roles[1].jobs.map(\.state).contains("submitting"))
        #expect(world.reconciler.status(now: world.now).roles[1].backoffUntil == nil)
    }
}
