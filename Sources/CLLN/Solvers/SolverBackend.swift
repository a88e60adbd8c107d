import Foundation

/// Which solver backs a run, described as a value: the idealized Newton solver, or ngspice with a
/// model card, plus the chip (device mismatch, twin clamped network, read noise) both run on.
/// It is `Codable` so that a worker process receives exactly the backend its parent chose.
public struct SolverBackend: Codable, Sendable, Hashable {
    public enum Kind: String, Codable, Sendable, CaseIterable {
        /// ``IdealSolver``: in-process, thread-safe per instance (trials run on threads).
        case ideal
        /// ``SpiceSolver``: ngspice is one simulator per process (parallel trials are child processes).
        case spice
    }

    public var kind: Kind
    /// SPICE model card: a name from `templates/models` or the path of a `.lib` file.
    public var model: String
    /// Overrides the card's bulk tie.
    public var bulk: BulkTie?
    public var chip: ChipSpec

    enum CodingKeys: String, CodingKey { case kind, model, bulk, chip }

    public init(kind: Kind = .ideal, model: String = ModelCard.defaultName, bulk: BulkTie? = nil, chip: ChipSpec = ChipSpec()) {
        self.kind = kind
        self.model = model
        self.bulk = bulk
        self.chip = chip
    }

    /// The same backend of another kind (same card and chip), e.g. to compare backends.
    public func with(kind: Kind) -> SolverBackend {
        var copy = self
        copy.kind = kind
        return copy
    }

    /// Checks everything a run needs before it starts: a sane chip, and on SPICE a readable
    /// model card. Throws ``BackendError`` (bad input) naming the fix.
    public func validate() throws {
        try chip.validate()
        if kind == .spice { _ = try modelCard() }
    }

    /// The model card with the bulk tie applied.
    public func modelCard() throws -> ModelCard {
        var card = try ModelCard.named(model)
        if let bulk { card.bulk = bulk }
        return card
    }

    /// A solver for the free network (`clamped: false`) or the clamped phase's network (its twin
    /// when the chip has one), with the chip's device draws. `diagnostics: false` skips the
    /// per-solve saturation report (training loops).
    public func makeSolver(for topology: Topology, clamped: Bool = false, diagnostics: Bool = true) throws -> any EquilibriumSolver {
        let devices = chip.sigmaThreshold > 0 || chip.sigmaGain > 0
            ? chip.devices(edgeCount: topology.edgeCount, clamped: clamped) : nil
        switch kind {
        case .ideal:
            var options = IdealSolver.Options()
            options.diagnostics = diagnostics
            let solver = try IdealSolver(topology: topology, options: options)
            solver.mismatch = devices
            return solver
        case .spice:
            var options = SpiceSolver.Options(diagnostics: diagnostics)
            options.mismatch = devices
            return try SpiceSolver(topology: topology, model: try modelCard(), options: options)
        }
    }

    /// What one training trial runs on: the free network's solver, the clamped phase's twin when
    /// the chip has one, and the chip's read noise; no per-solve diagnostics.
    public func trialDevices(for topology: Topology) throws -> TrialDevices {
        let solver = try makeSolver(for: topology, diagnostics: false)
        let twin = chip.twin ? try makeSolver(for: topology, clamped: true, diagnostics: false) : nil
        return TrialDevices(solver: solver, clampedSolver: twin, readNoise: chip.readNoise)
    }

    /// What a summary records about the backend: on SPICE the ngspice library, model card and
    /// options; the chip when it is not ideal.
    public func info() throws -> [String: String] {
        var info: [String: String] = [:]
        if kind == .spice {
            let card = try modelCard()
            let engine = try NgspiceEngine.shared()
            let klu = engine.linearSolver == .klu
            info = ["ngspice_version": engine.version,
                    "linear_solver": klu ? "KLU from \(SpiceSolver.kluMinimumNodes) nodes, Sparse 1.3 below" : "Sparse 1.3 (this ngspice has no KLU)",
                    "model": card.name, "model_origin": card.origin,
                    "spice_options": SpiceSolver.defaultSpiceOptions(model: card, linearSolver: .sparse) + (klu ? " (klu in place of pivtol from \(SpiceSolver.kluMinimumNodes) nodes)" : "")]
        }
        if !chip.isIdeal {
            info["chip"] = String(format: "sigma_vto %g V, sigma_kp %g, seed %llu, twin %@, read_noise %g V",
                                  chip.sigmaThreshold, chip.sigmaGain, chip.seed, chip.twin ? "yes" : "no", chip.readNoise)
        }
        return info
    }
}

/// The solvers and read noise one trial runs on (see ``SolverBackend/trialDevices(for:)``).
public struct TrialDevices {
    public var solver: any EquilibriumSolver
    /// The clamped phase's twin network, when the chip has one.
    public var clampedSolver: (any EquilibriumSolver)?
    /// σ of Gaussian read noise on every measured voltage (V).
    public var readNoise: Double

    public init(solver: any EquilibriumSolver, clampedSolver: (any EquilibriumSolver)? = nil, readNoise: Double = 0) {
        self.solver = solver
        self.clampedSolver = clampedSolver
        self.readNoise = readNoise
    }
}
