import ArgumentParser
import CLLN
import CLLNReport
import Foundation
import Synchronization

/// Flags of `clln train` that only the supervised tasks read.
struct SupervisedTrainOptions: ParsableArguments {
    @Option(help: "Supervised tasks: training epochs (default: the task's).")
    var epochs: Int?

    @Flag(inversion: .prefixedNo, help: "Supervised tasks: shuffle the training set every epoch (default: the task's, on).")
    var shuffle: Bool?

    @Option(help: "Supervised tasks: evaluate the training and test sets every K epochs (default 1).")
    var evalEvery: Int?

    @Option(
        name: .customLong("set"),
        help: ArgumentHelp("Supervised tasks: any config key, e.g. --set loss=mse --set overclamp=[0,1] (repeatable).",
                           valueName: "key=value"))
    var settings: [String] = []
}

/// `clln train <task>` for the supervised presets (xor, regression, iris, digits) and supervised
/// config files (a `task` key): trains `--trials` seeds on the chosen backend and writes the
/// report under `--out` (default out/train/<name>).
func runSupervised(_ resolved: SupervisedTaskReference, command: TrainCommand) throws {
    let flags = command.supervised
    let inapplicable: [(String, Bool)] = [
        ("--steps (use --epochs)", command.steps != nil), ("--gamma", command.gamma != nil),
        ("--epsilon-start", command.epsilonStart != nil), ("--epsilon-end", command.epsilonEnd != nil),
        ("--reference-quirk", command.referenceQuirk), ("--resume", command.resume),
    ]
    if let flag = inapplicable.first(where: \.1) {
        throw ValidationError("\(flag.0) does not apply to the supervised task \(resolved.name)")
    }
    let task: SupervisedTask
    do {
        var cli = try SupervisedConfig.parse(settings: flags.settings)
        cli.epochs = flags.epochs ?? cli.epochs
        cli.shuffle = flags.shuffle ?? cli.shuffle
        cli.evaluateEvery = flags.evalEvery ?? cli.evaluateEvery
        cli.trials = command.trials ?? cli.trials
        cli.alpha = command.alpha ?? cli.alpha
        cli.eta = command.eta ?? cli.eta
        cli.batch = command.batch ?? cli.batch
        cli.clip = command.clip ?? cli.clip
        task = try resolved.config().overriding(with: cli).makeTask()
    } catch let error where error is SupervisedConfigError || error is LearningError || error is TopologyFileError {
        // A bad config or value is bad input (exit 65), like a bad topology file.
        FileHandle.standardError.write(Data("error: \(error)\n".utf8))
        throw ExitCode(65)
    }
    let folder = URL(fileURLWithPath: command.out ?? "out/train/\(resolved.name)")
    let run = SupervisedRun(task: task, seed: command.seed, folder: folder)
    let backend = command.backendOptions.backend

    if let k = command.workerTrial {
        let devices = try command.backendOptions.trialDevices(for: task.topology)
        try run.runTrial(k, solver: devices.solver, clampedSolver: devices.clampedSolver, readNoise: devices.readNoise) {
            reportWorkerProgress(1)
        }
        return
    }
    guard backend == .both else {
        let summary = try trainSupervised(run, name: resolved.name, backend: backend, command: command)
        printOut(command.json ? String(decoding: try JSONOutput.encode(summary), as: UTF8.self) : supervisedHumanSummary(summary, folder: folder))
        if !summary.failedTrials.isEmpty { throw ExitCode(70) }
        return
    }
    // Same seeds and trials on both backends, each into its own folder.
    var summaries: [String: SupervisedSummary] = [:]
    for choice in [BackendChoice.ideal, .spice] {
        var sub = run
        sub.folder = folder.appendingPathComponent(choice.rawValue)
        summaries[choice.rawValue] = try trainSupervised(sub, name: resolved.name, backend: choice, command: command)
    }
    if command.json {
        printOut(String(decoding: try JSONOutput.encode(summaries), as: UTF8.self))
    } else {
        for choice in [BackendChoice.ideal, .spice] {
            printOut(supervisedHumanSummary(summaries[choice.rawValue]!, folder: folder.appendingPathComponent(choice.rawValue)))
        }
    }
    if summaries.values.contains(where: { !$0.failedTrials.isEmpty }) { throw ExitCode(70) }
}

/// Trains every trial of `run` on `backend` (threads for the ideal backend; child processes for
/// SPICE when several trials and jobs) and writes the report.
func trainSupervised(_ run: SupervisedRun, name: String, backend: BackendChoice, command: TrainCommand) throws -> SupervisedSummary {
    let task = run.task
    try? FileManager.default.removeItem(at: run.folder.appendingPathComponent("trials"))
    let start = ContinuousClock.now
    let progress = ProgressBar(total: task.trials * max(task.epochs, 1), label: "\(name) \(backend.rawValue)")
    let failures = Mutex<[String]>([])
    @Sendable func trial(_ k: Int) {
        do {
            let devices = try command.backendOptions.trialDevices(for: task.topology, backend: backend)
            try run.runTrial(
                k, solver: devices.solver, clampedSolver: devices.clampedSolver, readNoise: devices.readNoise
            ) { progress.advance() }
        } catch {
            failures.withLock { $0.append("trial \(k): \(error)") }
        }
    }
    if backend == .spice, task.trials > 1, command.jobs > 1 {
        try runWorkerProcesses(
            trials: Array(0..<task.trials), jobs: command.jobs, folder: run.folder, backend: backend, progress: progress
        ) { run.recordCrash($0, description: $1) }
    } else if backend == .spice {
        for k in 0..<task.trials { trial(k) }
    } else {
        let next = Atomic<Int>(0)
        DispatchQueue.concurrentPerform(iterations: min(command.jobs, task.trials)) { _ in
            while true {
                let k = next.wrappingAdd(1, ordering: .relaxed).oldValue
                guard k < task.trials else { return }
                trial(k)
            }
        }
    }
    progress.finish()
    for failure in failures.withLock({ $0 }) { FileHandle.standardError.write(Data("error: \(failure)\n".utf8)) }
    let elapsed = ContinuousClock.now - start
    let wall = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18
    let info = backend == .spice ? try spiceBackendInfo(model: command.backendOptions.model) : [:]
    return try run.writeReport(backend: backend.rawValue, backendInfo: info, wallSeconds: wall)
}

func supervisedHumanSummary(_ s: SupervisedSummary, folder: URL) -> String {
    func metric(_ v: Double) -> String {
        s.metric == .accuracy ? String(format: "%.2f%%", 100 * v) : String(format: "%.3g V²", v)
    }
    func time(_ seconds: Double) -> String {
        seconds < 1 ? String(format: "%.3g ms", 1000 * seconds) : String(format: "%.3g s", seconds)
    }
    var lines = [
        "\(s.preset) (\(s.backend)): \(s.task)",
        "\(s.epochs) epochs, \(s.trainCount) training / \(s.testCount) test examples, α \(s.settings.alpha), η \(s.settings.eta), "
            + "batch \(s.settings.batch), \(s.settings.options.loss.displayName)",
    ]
    for t in s.trials {
        lines.append("trial \(t.trial): train \(s.metric.rawValue) \(metric(t.trainMetric)), test \(metric(t.testMetric))"
            + (t.solvedAtEpoch.map { " (training set solved at epoch \($0))" } ?? "")
            + ", \(time(t.wallSeconds)), \(time(t.epochSeconds)) per epoch")
    }
    for f in s.failedTrials { lines.append("trial \(f.trial) FAILED: \(f.error)") }
    lines.append("mean train \(s.metric.rawValue) \(metric(s.trainMetric)), test \(metric(s.testMetric))"
        + (s.solvedCount.map { "; training set solved in \($0)/\(s.trials.count + s.failedTrials.count) trials" } ?? "")
        + "; \(time(s.epochSeconds)) per epoch (training pass), \(time(s.evalSeconds)) per evaluation of both sets; wall \(time(s.wallSeconds))")
    lines.append("results: \(folder.path)")
    return lines.joined(separator: "\n")
}
