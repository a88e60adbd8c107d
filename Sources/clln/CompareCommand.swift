import ArgumentParser
import CLLN
import CLLNBaselines
import CLLNReport
import CLLNRuns
import Foundation

extension CompareAgent: ExpressibleByArgument {}

/// `clln compare <task>`: CLLN agents and digital baselines on one task, the same seeds count,
/// steps and ε schedule; one run of the run layer per agent (`<out>/<agent>/`, resumable), then
/// the table (`table.csv`, `table.json`) and every agent's mean curve (`curves.svg`).
struct CompareCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "compare",
        abstract: "Run CLLN agents and digital baselines on a task over seeds; write table.csv, table.json and curves.svg.",
        discussion: "Q-learning tasks: \(LearningTask.names.joined(separator: ", ")). Agents: clln (per-action readout), clln-arq (tabular tasks), "
            + "tabular (tabular tasks), dqn, local. Every agent gets the CLLN agent's steps and ε schedule on the task; each keeps its "
            + "own γ and learning rate. Classification tasks (iris, digits, digits-hidden, xor, or a supervised config file of one; "
            + "--set KEY=VALUE as in clln train): agents clln, linear, mlp, all on the same examples and split; the table gives each "
            + "one's test accuracy pooled over seeds with its 95 % interval. Each agent is a run of the run layer in <out>/<agent>/ "
            + "(clln train's and clln baseline's trials): --resume continues every unfinished one.")

    @Argument(help: "Task name.")
    var task: String
    @Option(help: "Comma-separated agents (default: every agent that runs on the task).")
    var agents: String?
    @Option(help: "Seeds (trials) per agent.")
    var seeds = 10
    @Option(help: "Base seed (CLLN trial k draws from (seed, k); a baseline's seed k is seed + k).")
    var seed: UInt64 = 0
    @Option(help: "Training steps of every agent (default: the CLLN agent's on the task; the ε decay keeps its share).")
    var steps: Int?
    @Option(
        name: .customLong("set"),
        help: ArgumentHelp("Classification tasks: a config key of the CLLN's task, e.g. --set epochs=10 (data keys reach every agent).",
                           valueName: "key=value"))
    var settings: [String] = []
    @OptionGroup var backendOptions: BackendOptions
    @OptionGroup var runOptions: RunOptions
    @Option(help: "Output folder (default: out/compare/<task>).")
    var out: String?
    @Flag(help: "Print the summary as JSON on stdout.")
    var json = false

    /// The classification task or config file `task` names (`nil` for a Q-learning task).
    var classificationTask: SupervisedTaskReference? {
        LearningTask.names.contains(task) ? nil : SupervisedConfig.resolve(task)
    }

    func validate() throws {
        if classificationTask != nil {
            if steps != nil { throw badValue("--steps is for Q-learning tasks; \(task) is a classification task (use --set epochs=N)") }
            if !(1...InputLimits.maximumTrials).contains(seeds) { throw badValue("--seeds must be 1 to \(InputLimits.maximumTrials), e.g. --seeds 10") }
            _ = try classificationAgents()
            return
        }
        if !settings.isEmpty { throw badValue("--set is for classification tasks; drop it for the Q-learning task \(task)") }
        guard LearningTask.names.contains(task) else {
            throw badValue("unknown task \"\(task)\"; use one of \(LearningTask.names.joined(separator: ", "))")
        }
        if !(1...InputLimits.maximumTrials).contains(seeds) { throw badValue("--seeds must be 1 to \(InputLimits.maximumTrials), e.g. --seeds 10") }
        if let steps, !(1...InputLimits.maximumSteps).contains(steps) { throw badValue("--steps must be 1 to \(InputLimits.maximumSteps), e.g. --steps 50000") }
        _ = try chosenAgents()
    }

    /// The agents of `--agents` on a classification task (default: all three).
    func classificationAgents() throws -> [ClassificationAgent] {
        guard let agents else { return ClassificationAgent.allCases }
        return try parseAgents(agents, example: "clln,linear") { (agent: ClassificationAgent?, name) in
            guard let agent else {
                throw badValue("--agents: \"\(name)\" does not run on the classification task \(task); use "
                    + ClassificationAgent.allCases.map(\.rawValue).joined(separator: ","))
            }
            return agent
        }
    }

    /// The comma-separated names of `list` as agents, in order without repeats: `accept` gets
    /// each name's agent (`nil` for an unknown name) and returns it or throws naming the fix.
    func parseAgents<Agent: RawRepresentable & Equatable>(
        _ list: String, example: String, accept: (Agent?, String) throws -> Agent
    ) throws -> [Agent] where Agent.RawValue == String {
        var chosen: [Agent] = []
        for name in list.split(separator: ",").map({ $0.trimmingCharacters(in: .whitespaces) }) {
            let agent = try accept(Agent(rawValue: name), name)
            if !chosen.contains(agent) { chosen.append(agent) }
        }
        if chosen.isEmpty { throw badValue("--agents is empty; give e.g. --agents \(example)") }
        return chosen
    }

    /// The CLLN on a classification task beside the digital classifiers, on the task's examples.
    func runClassification(_ reference: SupervisedTaskReference) throws {
        var config = try reference.config().overriding(with: SupervisedConfig.parse(settings: settings))
        config.trials = seeds
        let supervised = try config.makeTask()
        guard supervised.metric == .accuracy else {
            throw badValue("\(task) is a regression task; give clln compare a classification task (iris, digits, digits-hidden, xor)")
        }
        let backend = try backendOptions.solverBackend()
        let folder = URL(fileURLWithPath: out ?? "out/compare/\(reference.name)")
        // Every run is built and validated before the first one starts.
        var runs: [(ClassificationAgent, () throws -> ClassificationCompareRow)] = []
        for agent in try classificationAgents() {
            let agentFolder = RunFolder(folder.appendingPathComponent(agent.rawValue))
            if let kind = agent.classifier {
                let trial = ClassifierBaselineTrial(classifier: kind, task: supervised, settings: .defaults(kind, trainingExamples: supervised.train.count), seed: seed, seeds: seeds)
                try trial.validate(on: InProcessBackend())
                runs.append((agent, {
                    ClassificationCompareRow(agent: agent, classifier: try runOptions.scheduler.run(trial, on: InProcessBackend(), in: agentFolder))
                }))
            } else {
                let trial = SupervisedTrial(task: supervised, seed: seed)
                try trial.validate(on: backend)
                runs.append((agent, { ClassificationCompareRow(clln: try runOptions.scheduler.run(trial, on: backend, in: agentFolder)) }))
            }
        }
        var rows: [ClassificationCompareRow] = []
        for (agent, run) in runs {
            if !json { printOut("\(agent.rawValue) on \(reference.name) (\(seeds) seeds)") }
            rows.append(try run())
        }
        let summary = ClassificationCompareSummary(task: supervised, seeds: seeds, seed: seed, cllnBackend: backend.kind.rawValue, rows: rows)
        try summary.write(to: folder)
        printOut(json ? String(decoding: try JSONOutput.encode(summary), as: UTF8.self) : summary.text + "\nresults: \(folder.path)")
        if rows.contains(where: { $0.failed > 0 }) { throw ExitCode(70) }
    }

    /// The agents of `--agents` (validated against the task), or the task's defaults.
    func chosenAgents() throws -> [CompareAgent] {
        let learningTask = try LearningTask.named(task)
        guard let agents else { return CompareAgent.defaults(on: learningTask) }
        return try parseAgents(agents, example: "clln,dqn") { (agent: CompareAgent?, name) in
            guard let agent else {
                throw badValue("--agents: unknown agent \"\(name)\"; use \(CompareAgent.allCases.map(\.rawValue).joined(separator: ","))")
            }
            guard agent.runs(on: learningTask) else {
                throw badValue("--agents: \(name) does not run on \(task) (a continuous task); use clln, dqn or local")
            }
            return agent
        }
    }

    func run() throws {
        try Exit.run {
            if let reference = classificationTask {
                return try runClassification(reference)
            }
            let agents = try chosenAgents()
            let schedule = try CompareSchedule.defaults(task: task, steps: steps)
            let backend = try backendOptions.solverBackend()
            let folder = URL(fileURLWithPath: out ?? "out/compare/\(task)")
            let learningTask = try LearningTask.named(task)
            // Every run is built and validated before the first one starts.
            var runs: [(CompareAgent, () throws -> CompareRow)] = []
            let reference: Double
            switch learningTask {
            case let .tabular(environment): reference = try PolicyScores(environment).optimum
            case let .continuous(environment): reference = environment.solvedReturn
            }
            for agent in agents {
                let agentFolder = RunFolder(folder.appendingPathComponent(agent.rawValue))
                if let kind = agent.baseline {
                    let config = schedule.apply(to: BaselineConfig.defaults(agent: kind, task: task))
                    let trial = BaselineTrial(agent: kind, task: task, config: config, seed: seed, seeds: seeds)
                    try trial.validate(on: InProcessBackend())
                    runs.append((agent, { CompareRow(agent: agent, baseline: try runOptions.scheduler.run(trial, on: InProcessBackend(), in: agentFolder)) }))
                    continue
                }
                switch learningTask {
                case .tabular:
                    guard var e = ExperimentPresets.named(task) else { throw CompareError.invalid("no CLLN preset for \(task)") }
                    e = try schedule.apply(to: e)
                    if agent == .cllnARQ { e = try e.withReadout(.arq) }
                    e.trials = seeds
                    let trial = QLearningTrial(experiment: e, seed: seed)
                    try trial.validate(on: backend)
                    let parameters = e.topology.edgeCount
                    runs.append((agent, {
                        let summary = try runOptions.scheduler.run(trial, on: backend, in: agentFolder)
                        let results = (0..<seeds).compactMap { agentFolder.result(TrialResult.self, trial: $0) }.filter { trial.isResult($0, ofTrial: $0.trial) }
                        return CompareRow(agent: agent, training: summary, results: results, parameters: parameters)
                    }))
                case let .continuous(environment):
                    let trial = ContinuousQLearningTrial(
                        task: task, config: schedule.apply(to: ContinuousQLearningConfig.defaults(for: environment)), seed: seed, trials: seeds)
                    try trial.validate(on: backend)
                    runs.append((agent, { CompareRow(agent: agent, continuous: try runOptions.scheduler.run(trial, on: backend, in: agentFolder)) }))
                }
            }
            var rows: [CompareRow] = []
            for (agent, run) in runs {
                if !json { printOut("\(agent.rawValue) on \(task) (\(seeds) seeds)") }
                rows.append(try run())
            }
            let summary = CompareSummary(
                task: task, seeds: seeds, seed: seed, schedule: schedule, cllnBackend: backend.kind.rawValue, reference: reference, rows: rows)
            try summary.write(to: folder)
            printOut(json ? String(decoding: try JSONOutput.encode(summary), as: UTF8.self) : summary.text + "\nresults: \(folder.path)")
            if rows.contains(where: { $0.failed > 0 }) { throw ExitCode(70) }
        }
    }
}
