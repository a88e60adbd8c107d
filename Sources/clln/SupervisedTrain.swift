import ArgumentParser
import CLLN
import CLLNRuns
import CLLNReport
import Foundation

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
    var cli = try SupervisedConfig.parse(settings: flags.settings)
    cli.epochs = flags.epochs ?? cli.epochs
    cli.shuffle = flags.shuffle ?? cli.shuffle
    cli.evaluateEvery = flags.evalEvery ?? cli.evaluateEvery
    cli.trials = command.trials ?? cli.trials
    cli.alpha = command.alpha ?? cli.alpha
    cli.eta = command.eta ?? cli.eta
    cli.batch = command.batch ?? cli.batch
    cli.clip = command.clip ?? cli.clip
    let task = try resolved.config().overriding(with: cli).makeTask()
    let folder = URL(fileURLWithPath: command.out ?? "out/train/\(resolved.name)")
    let trial = SupervisedTrial(task: task, seed: command.seed)
    let backends = try command.backends()
    let scheduler = command.runOptions.scheduler
    guard command.compareBackends else {
        let summary = try scheduler.run(trial, on: backends[0], in: RunFolder(folder))
        printOut(command.json ? String(decoding: try JSONOutput.encode(summary), as: UTF8.self) : supervisedHumanSummary(summary, folder: folder))
        if !summary.failedTrials.isEmpty { throw ExitCode(70) }
        return
    }
    // Same seeds and trials on both backends, each into its own folder.
    var summaries: [String: SupervisedSummary] = [:]
    for backend in backends {
        let name = backend.kind.rawValue
        summaries[name] = try scheduler.run(trial, on: backend, in: RunFolder(folder.appendingPathComponent(name)))
    }
    if command.json {
        printOut(String(decoding: try JSONOutput.encode(summaries), as: UTF8.self))
    } else {
        for (name, summary) in summaries.sorted(by: { $0.key < $1.key }) {
            printOut(supervisedHumanSummary(summary, folder: folder.appendingPathComponent(name)))
        }
    }
    if summaries.values.contains(where: { !$0.failedTrials.isEmpty }) { throw ExitCode(70) }
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
            + "batch \(s.settings.batch), clip \(s.settings.clip), \(s.settings.options.loss.displayName)"
            + (s.settings.options.hingeNudge.map { " (fixed nudge \($0) V)" } ?? "")
            + ", gates \(s.settings.initialGates) within [\(s.settings.gateBounds[0]), \(s.settings.gateBounds[1])] V",
    ]
    for t in s.trials {
        lines.append("trial \(t.trial): train \(s.metric.rawValue) \(metric(t.trainMetric)), test \(metric(t.testMetric))"
            + (s.metric == .mse ? t.initialTestMetric.map { " (\(metric($0)) before training)" } ?? "" : "")
            + (t.solvedAtEpoch.map { " (training set solved at epoch \($0))" } ?? "")
            + ", \(time(t.wallSeconds)), \(time(t.epochSeconds)) per epoch")
    }
    for f in s.failedTrials { lines.append("trial \(f.trial) FAILED: \(f.error)") }
    lines.append("mean train \(s.metric.rawValue) \(metric(s.trainMetric)), test \(metric(s.testMetric))"
        + (s.solvedCount.map { "; training set solved in \($0)/\(s.trials.count + s.failedTrials.count) trials" } ?? "")
        + (s.testPooled.map { "; pooled test accuracy \($0.description)" } ?? "")
        + (s.testMSERatio.map { ratio in
            "; test MSE after/before training ×" + String(format: "%.3g", ratio)
                + (s.testMSERatioRange.map { String(format: " (%.3g–%.3g over trials)", $0[0], $0[1]) } ?? "") } ?? "")
        + "; \(time(s.epochSeconds)) per epoch (training pass), \(time(s.evalSeconds)) per evaluation of both sets; wall \(time(s.wallSeconds))")
    lines.append("results: \(folder.path)")
    return lines.joined(separator: "\n")
}
