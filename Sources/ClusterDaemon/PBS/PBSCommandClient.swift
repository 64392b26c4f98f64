import PBSCore

/// `PBSClient` over the real qstat/qsub/qdel programs: plans from PBSCore, processes from a `CommandRunner`.
public actor PBSCommandClient: PBSClient {
    private var configuration: PBSCommandConfiguration
    private let runner: any CommandRunner
    private var detection: DialectDetection?
    private var counters = PBSClientStats()

    /// Creates a client. Nothing runs until the first call.
    public init(configuration: PBSCommandConfiguration, runner: any CommandRunner = SubprocessCommandRunner()) {
        self.configuration = configuration
        self.runner = runner
        if let forced = configuration.dialect.forcedDialect {
            detection = QstatVersionCommand.configured(forced)
        }
    }

    /// Takes new commands, timeout, history and dialect settings (a reload); a changed dialect setting or qstat
    /// is detected again.
    public func reconfigure(_ new: PBSCommandConfiguration) {
        if new.dialect != configuration.dialect || new.qstat != configuration.qstat {
            detection = new.dialect.forcedDialect.map(QstatVersionCommand.configured)
        }
        configuration = new
    }

    public func detectDialect() async throws(PBSCommandError) -> DialectDetection {
        if let detection { return detection }
        let outcome = await run(QstatVersionCommand.plan)
        counters.versionProbes += 1
        switch QstatVersionCommand.classify(outcome) {
        case .success(let detected):
            // Another call may have finished first while this one was waiting; keep the first answer.
            if let detection { return detection }
            detection = detected
            return detected
        case .failure(let error):
            counters.qstatFailures += 1
            throw error
        }
    }

    public func submit(_ request: SubmitRequest) async throws(PBSCommandError) -> String {
        let plan = try QsubCommand.plan(for: request)
        let outcome = await run(plan, workingDirectory: configuration.submitDirectory)
        switch QsubCommand.interpret(outcome) {
        case .success(let id):
            return id
        case .failure(let error):
            counters.qsubFailures += 1
            throw error
        }
    }

    public func query(ids: [String]) async -> PBSQueryResult {
        let dialect: PBSDialect
        do {
            dialect = try await detectDialect().dialect
        } catch {
            return .failed(PBSQueryFailure(kind: error.kind == .timeout ? .timeout : .commandFailed,
                                           message: "cannot tell the PBS flavour: \(error.message)"))
        }
        let query = QstatCommand.plan(ids: ids, dialect: dialect, history: configuration.useHistory)
        guard let plan = query.plan else { return QstatCommand.interpret(nil, for: query) }
        let outcome = await run(plan)
        let result = QstatCommand.interpret(outcome, for: query)
        if case .failed = result { counters.qstatFailures += 1 }
        return result
    }

    public func listOwn(user: String) async -> Result<[PBSJob], PBSQueryFailure> {
        let dialect: PBSDialect
        do {
            dialect = try await detectDialect().dialect
        } catch {
            return .failure(PBSQueryFailure(kind: error.kind == .timeout ? .timeout : .commandFailed,
                                            message: "cannot tell the PBS flavour: \(error.message)"))
        }
        guard let select = QselectCommand.plan(user: user, dialect: dialect) else {
            // Slurm's wrappers: no qselect; the listing is bounded by Slurm's MinJobAge.
            let query = QstatCommand.listPlan(dialect: dialect, history: false)
            guard let plan = query.plan else { return .success([]) }
            let result = QstatCommand.interpretListing(await run(plan), for: query, owner: user)
            if case .failure = result { counters.qstatFailures += 1 }
            return result
        }
        let ids: [String]
        switch QselectCommand.interpret(await run(select), dialect: dialect) {
        case .success(let selected): ids = selected
        case .failure(let failure):
            counters.qselectFailures += 1
            return .failure(failure)
        }
        switch await query(ids: ids) {
        case .failed(let failure):
            return .failure(failure)
        case .answered(let observations):
            return .success(ids.compactMap { if case .found(let job) = observations[$0] { job } else { nil } })
        }
    }

    public func delete(ids: [String]) async -> [String: PBSDeleteVerdict] {
        let dialect: PBSDialect
        do {
            dialect = try await detectDialect().dialect
        } catch {
            return Dictionary(uniqueKeysWithValues: Set(ids).map { ($0, PBSDeleteVerdict.failed(error)) })
        }
        let plan = QdelCommand.plan(ids: ids, dialect: dialect)
        let outcome: CommandOutcome? = if let plan { await run(plan) } else { nil }
        let verdicts = QdelCommand.interpret(outcome, ids: ids, dialect: dialect)
        if outcome != nil, verdicts.values.contains(where: { if case .failed = $0 { true } else { false } }) {
            counters.qdelFailures += 1
        }
        return verdicts
    }

    public func stats() async -> PBSClientStats { counters }

    /// Runs one planned command with the configured program path and limits, and counts it.
    private func run(_ plan: PBSCommandPlan, workingDirectory: String? = nil) async -> CommandOutcome {
        let executable: String
        switch plan.tool {
        case .qstat: executable = configuration.qstat
        case .qsub: executable = configuration.qsub
        case .qdel: executable = configuration.qdel
        case .qselect: executable = configuration.qselect
        }
        let invocation = CommandInvocation(
            executable: executable, arguments: plan.arguments, standardInput: plan.standardInput,
            environment: configuration.environment, workingDirectory: workingDirectory,
            timeout: configuration.timeout, killGracePeriod: configuration.killGracePeriod,
            outputLimit: configuration.outputLimit
        )
        let outcome = await runner.run(invocation)
        switch plan.tool {
        case .qstat:
            counters.qstatCalls += 1
            counters.lastQstatDuration = outcome.duration
            counters.totalQstatDuration += outcome.duration
        case .qsub: counters.qsubCalls += 1
        case .qdel: counters.qdelCalls += 1
        case .qselect: counters.qselectCalls += 1
        }
        return outcome
    }
}
