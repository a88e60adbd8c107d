import CLLNRuns
import Foundation

/// The summary of a `clln cosim` run: the Q-learning summary (as `clln train` writes it) and,
/// per trial, what the co-simulation took in simulated time, wall time and energy.
public struct CosimSummary: Encodable, Sendable {
    public struct Trial: Encodable, Sendable {
        public var trial: Int
        public var simulatedSeconds: Double
        /// Simulated seconds per RL step.
        public var simulatedSecondsPerStep: Double
        /// RL steps per second of wall time.
        public var stepsPerWallSecond: Double
        public var timePoints: Int
        /// Joules per free phase (an inference) and per learning phase (a batch's gate update).
        public var energyPerInference: Double
        public var energyPerClampedPhase: Double
        public var energyPerUpdate: Double
        enum CodingKeys: String, CodingKey {
            case trial, simulatedSeconds = "simulated_s", simulatedSecondsPerStep = "simulated_s_per_step"
            case stepsPerWallSecond = "steps_per_wall_s", timePoints = "time_points", energyPerInference = "energy_per_inference_j"
            case energyPerClampedPhase = "energy_per_clamped_phase_j", energyPerUpdate = "energy_per_update_j"
        }
    }

    public var training: TrainingSummary
    public var parameters: CosimParameters
    public var trials: [Trial]
}

/// Co-simulated Q-learning as a run of the run layer: trial k runs ``CosimQLearningTrainer``
/// from (seed, k) on the backend's model card and chip (a `spice` backend; ngspice is one
/// simulator per process, so parallel trials are worker processes) and checkpoints at batch
/// ends every `checkpointEvery` steps. The report is `clln train`'s (curves, gates, plots) with
/// `summary.json` extended by the co-simulation figures, and the co-simulation plots
/// (``CosimPlots``: waveforms of the first and last steps, energy per phase over training).
public struct CosimTrial: Trial {
    public static let kind = "cosim"
    public var training: QLearningTrial
    public var parameters: CosimParameters

    public init(experiment: QLearningExperiment, parameters: CosimParameters, seed: UInt64, checkpointEvery: Int = 20_000) {
        training = QLearningTrial(experiment: experiment, seed: seed, checkpointEvery: checkpointEvery)
        self.parameters = parameters
    }

    public var name: String { training.name }
    public var trialCount: Int { training.trialCount }
    public func withTrialCount(_ count: Int) -> CosimTrial? {
        var other = self
        other.training.experiment.trials = count
        return other
    }
    public var progressUnits: Int { training.progressUnits }

    public func isResult(_ result: CosimTrialResult, ofTrial k: Int) -> Bool { training.isResult(result.training, ofTrial: k) }

    /// Everything the trainer would refuse, before any trial starts.
    public func validate(on backend: SolverBackend) throws {
        try training.validate(on: backend)
        try parameters.validate()
        let e = training.experiment
        try CosimQLearningTrainer.checkSupported(topology: e.topology, environment: e.environment, config: e.config)
        guard backend.kind == .spice else { throw CosimError.unsupported("co-simulation runs on ngspice: use the spice backend") }
        guard !backend.chip.twin else { throw CosimError.unsupported("a twin clamped network is not co-simulated; drop --twin") }
        guard backend.chip.readNoise == 0 else { throw CosimError.unsupported("read noise is not co-simulated; drop --read-noise") }
    }

    public func run(_ k: Int, on backend: SolverBackend, context: TrialContext<CosimCheckpoint>) throws -> CosimTrialResult {
        if let c = context.resumeFrom { context.progress(c.step) }
        let e = training.experiment
        let chip = backend.chip
        let mismatch = chip.sigmaThreshold > 0 || chip.sigmaGain > 0 ? chip.devices(edgeCount: e.topology.edgeCount, clamped: false) : nil
        let trainer = try CosimQLearningTrainer(
            topology: e.topology, environment: e.environment, config: e.config, parameters: parameters,
            model: try backend.modelCard(), mismatch: mismatch)
        return try trainer.run(
            trial: k, seed: training.seed, resume: context.resumeFrom, checkpointEvery: training.checkpointEvery,
            checkpoint: context.saveCheckpoint, progress: context.progress)
    }

    public func report(_ outcome: RunOutcome<CosimTrialResult, SolverBackend>, into folder: RunFolder) throws -> CosimSummary {
        let summary = try training.report(
            RunOutcome(results: outcome.results.map { ($0.trial, $0.result.training) }, failures: outcome.failures,
                       backend: outcome.backend, backendInfo: outcome.backendInfo, wallSeconds: outcome.wallSeconds),
            into: folder)
        let steps = Double(training.experiment.config.steps)
        let trials = outcome.results.map { k, r in
            CosimSummary.Trial(
                trial: k, simulatedSeconds: r.simulatedSeconds, simulatedSecondsPerStep: r.simulatedSeconds / steps,
                stepsPerWallSecond: steps / max(r.training.wallSeconds, 1e-9), timePoints: r.timePoints,
                energyPerInference: r.energy.inference / Double(max(r.freePhases, 1)),
                energyPerClampedPhase: r.energy.clamped / Double(max(r.training.clampedSolves, 1)),
                energyPerUpdate: r.energy.learning / Double(max(r.learningPhases, 1)))
        }
        let cosim = CosimSummary(training: summary, parameters: parameters, trials: trials)
        try folder.writeJSON(cosim, to: "summary.json")
        try CosimPlots(topology: training.experiment.topology, name: training.experiment.name, results: outcome.results)
            .write(to: folder.url)
        return cosim
    }
}
