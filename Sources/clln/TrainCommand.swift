import ArgumentParser
import CLLN
import CLLNReport
import Foundation
import Synchronization

struct TrainCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train",
        abstract: "Train a preset (four-state, navigation) or a YAML/JSON config with Q-learning on a CLLN.")

    @Argument(help: "A preset (four-state, navigation) or a config file.")
    var experiment: String

    @OptionGroup var backendOptions: BackendOptions

    @OptionGroup var supervised: SupervisedTrainOptions

    @Option(help: "Number of trials (default: the preset's 10).")
    var trials: Int?

    @Option(help: "Base seed; trial k draws from (seed, k).")
    var seed: UInt64 = 0

    @Option(help: "Training steps T.")
    var steps: Int?

    @Option(help: "Parallel trials (threads for ideal, worker processes for spice).")
    var jobs = ProcessInfo.processInfo.activeProcessorCount

    @Option(help: "Output folder (default out/train/<name>).")
    var out: String?

    @Flag(help: "Print the JSON summary.")
    var json = false

    @Flag(help: "Continue an interrupted run from its checkpoints and finished trials.")
    var resume = false

    @Flag(help: "Reproduce the reference code's measurement quirk (spec §3) instead of the faithful algorithm.")
    var referenceQuirk = false

    @Option(help: "Learning rate α.") var alpha: Double?
    @Option(help: "Nudge η.") var eta: Double?
    @Option(help: "Discount γ.") var gamma: Double?
    @Option(help: "Batch size B.") var batch: Int?
    @Option(help: "Per-edge update clip DGC.") var clip: Double?
    @Option(help: "Exploration ε at step 0.") var epsilonStart: Double?
    @Option(help: "Exploration ε at step T.") var epsilonEnd: Double?
    @Option(help: "p in each step's update weight (1/states)^p: 1 as the reference code (the presets), 0 for α as written.")
    var stateWeightExponent: Double?

    @Option(help: .hidden) var workerTrial: Int?

    func validate() throws {
        if jobs < 1 { throw ValidationError("--jobs must be ≥ 1") }
        if let trials, trials < 1 { throw ValidationError("--trials must be ≥ 1") }
    }

    func loadExperiment() throws -> QLearningExperiment {
        var e: QLearningExperiment
        if let preset = ExperimentPresets.named(experiment) {
            e = preset
        } else if FileManager.default.fileExists(atPath: experiment) {
            let url = URL(fileURLWithPath: experiment)
            e = try ExperimentConfigFile.load(url).experiment(
                relativeTo: url.deletingLastPathComponent(), name: url.deletingPathExtension().lastPathComponent)
        } else {
            throw TopologyFileError.unknownPreset(experiment)
        }
        e.trials = trials ?? e.trials
        e.config.steps = steps ?? e.config.steps
        e.config.rule.alpha = alpha ?? e.config.rule.alpha
        e.config.rule.eta = eta ?? e.config.rule.eta
        e.config.gamma = gamma ?? e.config.gamma
        e.config.rule.batchSize = batch ?? e.config.rule.batchSize
        e.config.rule.updateClip = clip ?? e.config.rule.updateClip
        e.config.epsilonStart = epsilonStart ?? e.config.epsilonStart
        e.config.epsilonEnd = epsilonEnd ?? e.config.epsilonEnd
        e.config.stateWeightExponent = stateWeightExponent ?? e.config.stateWeightExponent
        e.config.referenceQuirk = e.config.referenceQuirk || referenceQuirk
        try e.config.validate()
        return e
    }

    func run() throws {
        try Exit.run {
            if let task = SupervisedConfig.resolve(experiment) { return try runSupervised(task, command: self) }
            let e = try loadExperiment()
            let folder = URL(fileURLWithPath: out ?? "out/train/\(e.name)")
            if let k = workerTrial {
                let run = TrainingRun(experiment: e, seed: seed, folder: folder)
                let devices = try backendOptions.trialDevices(for: e.topology)
                try run.runTrial(
                    k, solver: devices.solver, clampedSolver: devices.clampedSolver, readNoise: devices.readNoise, resume: true,
                    progress: reportWorkerProgress)
                return
            }
            guard backendOptions.backend == .both else {
                let summary = try train(e, backend: backendOptions.backend, folder: folder)
                printOut(json ? String(decoding: try JSONOutput.encode(summary), as: UTF8.self) : humanSummary(summary, folder: folder))
                if !summary.failedTrials.isEmpty { throw ExitCode(70) }
                return
            }
            // Same seeds, same trials, both backends: do they learn the same policy?
            let ideal = try train(e, backend: .ideal, folder: folder.appendingPathComponent("ideal"))
            let spice = try train(e, backend: .spice, folder: folder.appendingPathComponent("spice"))
            let comparison = BackendTrainingComparison(ideal: ideal, spice: spice)
            try AtomicFile.write(try JSONOutput.encode(comparison), to: folder.appendingPathComponent("comparison.json"))
            if json {
                printOut(String(decoding: try JSONOutput.encode(comparison), as: UTF8.self))
            } else {
                printOut(humanSummary(ideal, folder: folder.appendingPathComponent("ideal")))
                printOut(humanSummary(spice, folder: folder.appendingPathComponent("spice")))
                for t in comparison.trials {
                    printOut("trial \(t.trial): ideal \(t.idealPolicy.map(String.init).joined(separator: ",")) "
                        + String(format: "(%.6f)", t.idealReward) + " spice \(t.spicePolicy.map(String.init).joined(separator: ",")) "
                        + String(format: "(%.6f)", t.spiceReward) + (t.agree ? " agree" : " DIFFER"))
                }
                printOut("policies agree in \(comparison.agreeCount) of \(comparison.trials.count) trials; results: \(folder.path)")
            }
        }
    }

    /// Trains every unfinished trial of `e` on `backend` into `folder` and writes the report.
    func train(_ e: QLearningExperiment, backend: BackendChoice, folder: URL) throws -> TrainingSummary {
        let run = TrainingRun(experiment: e, seed: seed, folder: folder)
        if !resume {
            try? FileManager.default.removeItem(at: folder.appendingPathComponent("trials"))
            try? FileManager.default.removeItem(at: folder.appendingPathComponent("checkpoints"))
        }
        let pending = (0..<e.trials).filter { run.finishedTrial($0) == nil }
        let progress = ProgressBar(total: pending.count * e.config.steps, label: "\(e.name) \(backend.rawValue)")
        switch backend {
        case .ideal: try runThreads(run, pending: pending, progress: progress)
        case .spice:
            try runWorkerProcesses(trials: pending, jobs: jobs, folder: folder, backend: .spice, progress: progress) {
                run.recordCrash($0, description: $1)
            }
        case .both: preconditionFailure("train(_:backend:folder:) takes one backend")
        }
        progress.finish()
        let info = backend == .spice ? try spiceBackendInfo(model: backendOptions.model) : [:]
        return try run.writeReport(backend: backend.rawValue, backendInfo: info)
    }

    /// Ideal backend: one solver per thread, trials spread over `jobs` threads.
    func runThreads(_ run: TrainingRun, pending: [Int], progress: ProgressBar) throws {
        let failures = Mutex<[String]>([])
        let next = Atomic<Int>(0)
        let workers = min(jobs, max(pending.count, 1))
        DispatchQueue.concurrentPerform(iterations: workers) { _ in
            while true {
                let i = next.wrappingAdd(1, ordering: .relaxed).oldValue
                guard i < pending.count else { return }
                do {
                    let devices = try backendOptions.trialDevices(for: run.experiment.topology, backend: .ideal)
                    try run.runTrial(
                        pending[i], solver: devices.solver, clampedSolver: devices.clampedSolver, readNoise: devices.readNoise,
                        resume: resume) { progress.advance(by: $0) }
                } catch {
                    failures.withLock { $0.append("trial \(pending[i]): \(error)") }
                }
            }
        }
        for failure in failures.withLock({ $0 }) { FileHandle.standardError.write(Data("error: \(failure)\n".utf8)) }
    }

    func humanSummary(_ s: TrainingSummary, folder: URL) -> String {
        let weight = s.config.stepWeight(stateCount: s.bestPolicy.count)
        let rate = String(format: "α %g", s.config.rule.alpha)
            + (weight == 1 ? "" : String(format: " × %.4g per step (the reference's 1/states weighting)", weight))
        var lines = ["\(s.preset) (\(s.backend)\(s.referenceQuirk ? ", reference quirk" : "")): \(s.steps) steps per trial, \(rate)",
                     String(format: "optimum %.7f", s.optimum) + " (policy \(s.bestPolicy.map(String.init).joined(separator: ",")), "
                        + "\(s.optimalPolicyCount) optimal policies), " + String(format: "worst %.6f", s.worst)]
        for t in s.trials {
            lines.append(String(format: "trial %2d  policy ", t.trial) + t.policy.map(String.init).joined(separator: ",")
                + String(format: "  reward %.6f  ratio %.4f", t.reward, t.ratio) + (t.isBest ? " best" : "")
                + String(format: "  %.2f s  %.0f steps/s", t.wallSeconds, t.stepsPerSecond))
        }
        for f in s.failedTrials { lines.append("trial \(f.trial) FAILED: \(f.error)") }
        lines.append("best policy in \(s.bestRate.description); within 1% of the optimum: \(s.nearOptimalRate.description)"
            + (s.failedTrials.isEmpty ? "" : "; \(s.failedTrials.count) failed"))
        lines.append("results: \(folder.path)")
        return lines.joined(separator: "\n")
    }
}

/// Per-trial comparison of the same trials trained on the idealized and the SPICE backend.
struct BackendTrainingComparison: Encodable {
    struct Trial: Encodable {
        var trial: Int
        var idealPolicy: [Int]
        var spicePolicy: [Int]
        var idealReward: Double
        var spiceReward: Double
        var agree: Bool
        enum CodingKeys: String, CodingKey {
            case trial, idealPolicy = "ideal_policy", spicePolicy = "spice_policy", idealReward = "ideal_reward"
            case spiceReward = "spice_reward", agree
        }
    }
    var preset: String
    var optimum: Double
    var trials: [Trial]
    var agreeCount: Int
    var idealBestCount: Int
    var spiceBestCount: Int
    var spiceBackendInfo: [String: String]
    enum CodingKeys: String, CodingKey {
        case preset, optimum, trials, agreeCount = "agree_count", idealBestCount = "ideal_best_count"
        case spiceBestCount = "spice_best_count", spiceBackendInfo = "spice_backend_info"
    }

    init(ideal: TrainingSummary, spice: TrainingSummary) {
        preset = ideal.preset
        optimum = ideal.optimum
        let spiceByTrial = Dictionary(uniqueKeysWithValues: spice.trials.map { ($0.trial, $0) })
        trials = ideal.trials.compactMap { a in
            spiceByTrial[a.trial].map { b in
                Trial(trial: a.trial, idealPolicy: a.policy, spicePolicy: b.policy, idealReward: a.reward,
                      spiceReward: b.reward, agree: a.policy == b.policy)
            }
        }
        agreeCount = trials.filter(\.agree).count
        idealBestCount = ideal.bestCount
        spiceBestCount = spice.bestCount
        spiceBackendInfo = spice.backendInfo
    }
}
