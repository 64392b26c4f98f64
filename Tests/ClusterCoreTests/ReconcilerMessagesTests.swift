import ClusterCore
import PBSCore
import Testing

@Suite("Reconciler: refused submissions and what the messages say")
struct ReconcilerMessagesTests {
    @Test("a permanent qsub refusal counts towards the start limit and stays visible in status")
    func permanentRefusalReachesFailed() throws {
        var world = World(spec: testSpec(engines: 0))
        world.autoSubmit = false
        var actions = world.tick()
        for attempt in 1...3 {
            let intent = try #require(submits(actions).first?.intent, "attempt \(attempt)")
            actions = world.reconciler.submitFailed(
                intent: intent, error: "qsub: Unknown queue (exit 170)", permanent: true, now: world.now)
            let status = world.reconciler.status(now: world.now).roles[0]
            #expect(status.lastSubmitError?.message == "qsub: Unknown queue (exit 170)")
            #expect(status.lastSubmitError?.permanent == true)
            world.advance(60)  // past the backoff, inside the 300 s window
            actions += world.tick()
        }
        #expect(world.state.controller.hold?.kind == .failed)
        #expect(world.state.controller.hold?.reason.contains("qsub refused: qsub: Unknown queue") == true)
        #expect(kinds(actions).filter { $0 == .failed }.count <= 1)
    }

    @Test("a server that is down never puts the role into failed")
    func transientRefusalKeepsRetrying() throws {
        var world = World(spec: testSpec(engines: 0))
        world.autoSubmit = false
        var actions = world.tick()
        for _ in 1...6 {
            guard let intent = submits(actions).first?.intent else { break }
            actions = world.reconciler.submitFailed(intent: intent, error: "cannot connect", now: world.now)
            world.advance(400)
            actions += world.tick()
        }
        #expect(world.state.controller.hold == nil)
        #expect(world.reconciler.status(now: world.now).roles[0].lastSubmitError?.permanent == false)
        world.autoSubmit = true
        world.handle(actions)
        #expect(world.reconciler.status(now: world.now).roles[0].lastSubmitError == nil, "cleared by a success")
    }

    @Test("a job that ran between two polls ran: its start time counts, a clean exit is not a failure")
    func ranBetweenPolls() throws {
        var world = World(spec: testSpec(engines: 0))
        world.tick()
        let id = try #require(world.ids(.controller).first)
        world.server[id]?.startTime = Int(world.now.seconds) + 5
        world.end(id, exit: 0)
        world.advance(30)
        let actions = world.tick()
        let died = try #require(events(actions).first { $0.kind == .died })
        #expect(!died.message.contains("never ran"), "\(died.message)")
        #expect(world.state.controller.hold?.kind == .exited)
    }

    @Test("one failed event when several jobs die in the tick that reaches the limit; restarts name the job")
    func oneFailedEvent() throws {
        var world = World(spec: testSpec(engines: 4))
        world.bringUp()
        var all: [ReconcileAction] = []
        for _ in 0..<2 {
            for id in world.ids(.engine) { world.end(id, exit: 1) }
            world.advance(30)
            all += world.tick()
        }
        #expect(kinds(all).filter { $0 == .failed }.count == 1)
        let restarting = events(all).filter { $0.kind == .restarting }
        #expect(!restarting.isEmpty && restarting.allSatisfy { $0.jobID != nil })
    }

    @Test func durationsReadAsPeopleWriteThem() {
        #expect(HumanDuration.text(50.126322746276855) == "50 s")
        #expect(HumanDuration.text(600) == "10m")
        #expect(HumanDuration.text(125) == "2m05s")
        #expect(HumanDuration.text(5_400) == "1h30m")
        #expect(HumanDuration.text(97_200) == "1d3h")
        #expect(HumanDuration.compact(5_400) == "1h30m")
    }

    @Test func permanentRefusalsAreRecognised() {
        func error(_ code: Int32, _ stderr: String) -> PBSCommandError {
            PBSCommandError(kind: .rejected, message: "qsub refused the job", exitCode: code, standardError: stderr)
        }
        #expect(error(170, "qsub: Unknown queue").isPermanentRejection)
        #expect(error(187, "qsub: Unknown resource: foo").isPermanentRejection)
        #expect(error(166, "qsub: Illegal attribute or resource value Resource_List.walltime").isPermanentRejection)
        #expect(error(1, "sbatch: error: invalid partition specified: nosuch").isPermanentRejection)
        #expect(!error(190, "qsub: Maximum number of jobs already in queue workq").isPermanentRejection)
        #expect(!PBSCommandError(kind: .serverDown, message: "down", exitCode: 162).isPermanentRejection)
    }
}
