import Foundation

/// How a solve hands changed edge parameters and held voltages to ngspice. All three give the
/// same voltages (tested to 1e-9 V). Measured (`SpiceBenchmark`): most of an update's
/// cost is inside each `alter` (~2 µs) or `altermod` (~4 µs), so joining commands saves little
/// (≤ 10 %); reloading costs a netlist compile and parse per solve, 20–70× an in-place solve.
public enum SpiceUpdateMode: String, Sendable, Codable, CaseIterable {
    /// `alter`/`altermod` commands joined with `;` into as few commands as fit ngspice's
    /// 1,023-byte command line (the default: fewest commands to run and to free).
    case batched
    /// One `alter`/`altermod` command per changed value.
    case onePerCommand
    /// Remove the circuit and load a freshly compiled netlist whenever a value changed
    /// (a cross-check of the in-place updates).
    case reload
}

/// The transistor-level backend: each solve is a DC operating point (`op`) of ngspice on the
/// compiled netlist (see ``NetlistCompiler``), run in-process through ``NgspiceEngine``.
///
/// **Numerical contract.** Node voltages equal those of `ngspice -b` on the netlist that
/// ``netlist(parameters:held:)`` returns (tested to 1e-9 V; measured ≤ 3e-16 V on the presets).
/// With the default options (``defaultSpiceOptions(model:)``, and `is=0` on the shipped
/// `nmos-ideal` card) they equal ``IdealSolver``'s to ≤ 1e-9 V (measured ≤ 6e-13 V) wherever no
/// transistor saturates; where one does, SPICE's level-1 saturation current differs from the
/// idealized triode law by design, and ``Equilibrium/saturatedEdges`` lists those edges. ``Equilibrium/iterations`` and
/// ``Equilibrium/residual`` are 0: ngspice converged by its own test (each node's Newton step
/// below reltol·|V| + vntol), and the idealized model's KCL residual does not apply to it.
/// `warmStart` is ignored (ngspice starts every `op` from its own initial guess; a session
/// starts from the previous solve of the same held nodes).
///
/// **Sessions** (``usesSessions``: by default every network of MOSFET edges only, with the
/// default update mode; ``Options/sessions`` forces them on or off). Each held-node set's circuit — gate sources and held
/// sources `external` (``NetlistOptions/externalGates``), ``sessionTolerances`` (on small
/// networks ``preciseSessionTolerances``), KLU where the library has it — runs one `dc` sweep that never ends: paused after each point, resumed by
/// `step` for the next solve, with every gate and held value read from this solver at every
/// Newton iteration. A point is an operating point whose Newton iteration starts from the
/// previous point of that circuit and reuses its matrix, ordering and pivots: none of the
/// per-`op` set-up (rebuilding the matrix, reordering, evaluating 20,000 models), no `altermod`
/// per gate. Each solver runs its sessions on two private copies of the library of its own
/// (``SessionEngines``; ``NgspiceEngine/beginSession(_:sweepSource:inputs:nodeCount:into:)``:
/// one paused analysis per library), so the free and the clamped phase each keep theirs, and its
/// results depend only on its own sequence of solves, never on other solvers of the process.
/// Measured (`clln bench spice-scale`, CPU time per free+clamped update, lattice, `nmos-ideal`):
/// 800 edges 4.3 ms instead of 25.5 ms, 3,200 edges 36 ms instead of 138 ms, 20,000 edges 0.41 s
/// instead of ~1.4 s; and on small networks, where single `op`s are dominated by ngspice's
/// per-analysis set-up, 0.10–0.30 ms instead of 0.31–0.76 ms at 18–50 edges (`--sizes 18 32 50
/// --families lattice dense --models nmos-ideal ald1106 --sessions on|off`), 0.15–0.18 ms instead of
/// 0.33–0.40 ms (CPU) on the 18-edge lattice with `pyclln-ald1106`. A session point is within 4.2e-10 V of
/// an `op` converged at reltol 1e-12 on a body-effect card where `op`s at the netlist's reltol
/// 1e-6 (ours and `ngspice -b`'s) are 1.8e-8 V off. A step that fails to converge ends the
/// session; the solve then starts a new one from ngspice's own initial guess.
///
/// **How a solve runs** (without sessions). The netlist of a held-node set (free phase, clamped phase, …) is loaded
/// once; later solves with the same held nodes change only what differs from the values ngspice
/// already holds: a gate by `altermod me<e> vto = V_T − U_G` (the per-edge threshold form, when
/// the card allows it; otherwise `alter vg<e> = U_G`), a held voltage by `alter vh<i> = V`, a
/// resistive edge by `alter r<e> = R`. Then `op`, one pass that
/// copies every node voltage out of ngspice's data callback, and `destroy all`.
///
/// **Batches** (``solveBatch(parameters:held:warmStarts:)``, many held values under the same
/// gates) run as the points of one `dc` sweep on a second circuit per held-node set, whose held
/// sources are `external`: ngspice sets up and reorders its matrix once per sweep rather than
/// once per `op` (at 1,024 nodes ~30 ms per point instead of 50–60 ms per solve). Their
/// tighter Newton tolerances (``batchTolerances``) keep them within 1e-9 V of single solves.
///
/// Parameters must lie within the topology's bounds (as for the netlist compiler). One solver
/// per thread; solvers on several threads share the engine one call at a time.
public final class SpiceSolver: EquilibriumSolver {
    /// Choices of the SPICE backend.
    public struct Options: Sendable {
        /// The `.options` line; `nil` uses ``SpiceSolver/defaultSpiceOptions(model:)``.
        public var spiceOptions: String?
        /// How gates enter the netlist; `nil` picks ``GateStyle/thresholdPerEdge`` when the model
        /// card allows it (its `vto` is the `{{vto}}` placeholder and the compiler accepts the
        /// form), ``GateStyle/sources`` otherwise.
        public var gateStyle: GateStyle?
        public var updateMode: SpiceUpdateMode
        /// The engine to run on; `nil` uses ``NgspiceEngine/shared()``.
        public var engine: NgspiceEngine?
        /// Compute ``Equilibrium/floorEdges`` and ``Equilibrium/saturatedEdges``.
        public var diagnostics: Bool
        /// Per-device deviations of the chip (each transistor its own model card values).
        public var mismatch: DeviceMismatch?
        /// Solve in sessions (see ``SpiceSolver``); `nil`: networks of only MOSFET edges, with
        /// the default update mode. `false` keeps every single solve an `op` (the update modes).
        public var sessions: Bool?

        public init(
            spiceOptions: String? = nil, gateStyle: GateStyle? = nil, updateMode: SpiceUpdateMode = .batched,
            engine: NgspiceEngine? = nil, diagnostics: Bool = true, sessions: Bool? = nil
        ) {
            self.spiceOptions = spiceOptions
            self.gateStyle = gateStyle
            self.updateMode = updateMode
            self.engine = engine
            self.diagnostics = diagnostics
            self.sessions = sessions
        }
    }

    public let topology: Topology
    public let backendName = "spice"
    /// ngspice's version (from its start-up banner).
    public let ngspiceVersion: String
    /// The model card's name.
    public let modelName: String
    /// What every netlist of this solver is compiled with.
    public let netlistOptions: NetlistOptions
    /// What the batch circuits are compiled with: ``netlistOptions`` with `external` held
    /// sources, a sweep source and the batch `.options`.
    public let batchNetlistOptions: NetlistOptions
    public let options: Options
    /// The edges removed so far.
    public private(set) var removedEdges: Set<Int> = []
    /// Whether single solves run as points of sessions (see the type's documentation).
    public let usesSessions: Bool
    /// What this solver's next session circuits are compiled with: gate sources and held
    /// sources `external`, the sweep source, `.save none`, and ``preciseSessionTolerances`` (below
    /// ``preciseSessionMaximumEdges`` edges on cards without series resistance, until a point
    /// fails to converge at them) or ``sessionTolerances``.
    public private(set) var sessionNetlistOptions: NetlistOptions
    /// `.options` of session circuits at ``sessionTolerances``.
    private let standardSessionSpiceOptions: String

    /// Circuits kept loaded per solver, one per held-node set and form (single solve or batch);
    /// least recently used ones are removed beyond this.
    static let maximumLoadedCircuits = 4

    /// Points per `dc` sweep at most: ngspice keeps every point's vectors until the sweep ends, so
    /// longer batches run as several sweeps (each costs one setup and reordering).
    static let maximumSweepPoints = 1000

    private let engine: NgspiceEngine
    /// V_T of the per-edge threshold form (``ModelCard/baseThreshold(topologyThreshold:)``).
    private let thresholdBase: Double
    /// The topology without removed edges: what the netlists describe.
    private var circuitTopology: Topology
    /// Per edge of ``topology``: the command that sets its value, up to the number (`nil`: removed).
    private var updatePrefix: [String?] = []
    /// Most recently used first.
    private var loaded: [LoadedCircuit] = []
    /// Session circuits, most recently used first (at most one per session engine).
    private var sessions: [SessionCircuit] = []
    /// This solver's session engines, slot k at index k (claimed from ``SessionEngines`` when
    /// slot k first starts a session, returned at deinit), and their time spent and session
    /// points when claimed.
    private(set) var sessionEngines: [
        (engine: NgspiceEngine, spentAtClaim: NgspiceEngine.TimeSpent, pointsAtClaim: NgspiceEngine.SessionPointCounts)
    ] = []
    private var voltages: [Double]

    /// A solver for `topology` with the model card `model`. Validates the topology and the card
    /// before any SPICE call; throws ``SpiceError/libraryMissing(reason:)`` without ngspice.
    public init(topology: Topology, model: ModelCard, options: Options = Options()) throws {
        try topology.validate()
        self.topology = topology
        self.options = options
        modelName = model.name
        engine = try options.engine ?? NgspiceEngine.shared()
        ngspiceVersion = engine.version
        var netlistOptions = NetlistOptions(model: model, gateStyle: options.gateStyle ?? .thresholdPerEdge, includeAnalysis: false)
        netlistOptions.mismatch = options.mismatch
        linearSolver = Self.linearSolver(nodeCount: topology.nodeCount, library: engine.linearSolver)
        netlistOptions.spiceOptions = options.spiceOptions ?? Self.defaultSpiceOptions(model: model, linearSolver: linearSolver)
        // The threshold form writes each edge's `vto` as V_T − U_G, which needs the card's `vto`
        // to be the `{{vto}}` placeholder or a number on its `.model` line, and the bulk at ground.
        let base = model.baseThreshold(topologyThreshold: topology.device.thresholdVoltage)
        thresholdBase = base ?? topology.device.thresholdVoltage
        let cardTakesThreshold = base != nil && model.bulk == .ground
        switch options.gateStyle {
        case nil:
            let thresholdForm = try cardTakesThreshold && Self.acceptsThresholdStyle(netlistOptions)
            if !thresholdForm { netlistOptions.gateStyle = .sources }
        case .thresholdPerEdge where !cardTakesThreshold:
            throw NetlistError.thresholdStyleUnsupported(model: model.name)
        default:
            break
        }
        self.netlistOptions = netlistOptions
        var batchNetlistOptions = netlistOptions
        batchNetlistOptions.heldSources = .externalSweep
        batchNetlistOptions.spiceOptions = Self.batchSpiceOptions(
            netlistOptions.spiceOptions,
            tolerances: topology.edgeCount >= Self.coarseBatchMinimumEdges ? Self.sessionTolerances : Self.batchTolerances)
        self.batchNetlistOptions = batchNetlistOptions
        var sessionOptions = batchNetlistOptions
        sessionOptions.gateStyle = .sources
        sessionOptions.externalGates = true
        // KLU at every size where the library has it: a session refactors with the pivots of its
        // first point, which KLU does several times faster than Sparse 1.3 already at 400 nodes
        // (measured, ngspice 46: 4 ms instead of 21 ms per point).
        let sessionBase = options.spiceOptions ?? Self.defaultSpiceOptions(model: model, linearSolver: engine.linearSolver)
        standardSessionSpiceOptions = Self.batchSpiceOptions(sessionBase, tolerances: Self.sessionTolerances)
        sessionOptions.spiceOptions = topology.edgeCount < Self.preciseSessionMaximumEdges && !model.hasSeriesResistance
            ? Self.batchSpiceOptions(sessionBase, tolerances: Self.preciseSessionTolerances) : standardSessionSpiceOptions
        sessionNetlistOptions = sessionOptions
        let onlyTransistors = topology.edges.allSatisfy { $0.element.model.netlistForm == .mosfet }
        usesSessions = onlyTransistors && (options.sessions ?? (options.updateMode == .batched))
        circuitTopology = topology
        voltages = [Double](repeating: 0, count: topology.nodeCount)
        rebuildUpdatePrefixes()
    }

    /// The netlist compiler's `.options` (`gmin=1e-18 reltol=1e-6 pivtol=1e-25`: ~1e-14 V
    /// agreement with the idealized model; see ``NetlistOptions/spiceOptions``) when ngspice
    /// factors with Sparse 1.3. When the library has KLU (``NgspiceEngine/linearSolver``):
    /// `klu` in place of `pivtol=1e-25` — the same operating points to ≤ 1e-9 V (tested) at a
    /// cost that grows far more slowly with size (a 64×64 lattice: 0.36 s instead of 78 s per
    /// `op` from a fresh load). `pivtol` is a Sparse 1.3 speed fix that slows KLU down instead
    /// (measured, ngspice 46, 4×4 lattice with cut-off edges: 3.5 ms instead of 0.16 ms per `op`).
    public static func defaultSpiceOptions(model: ModelCard, linearSolver: LinearSolver) -> String {
        let options = NetlistOptions(model: model).spiceOptions
        guard linearSolver == .klu else { return options }
        return (options.split(separator: " ").filter { !$0.lowercased().hasPrefix("pivtol=") } + ["klu"]).joined(separator: " ")
    }

    /// Networks from this many nodes factor with KLU when the library has it; smaller ones with
    /// Sparse 1.3, which is as fast or faster there. Measured on ngspice 46 (`clln bench solve
    /// --backend spice`, `clln train --backend spice`): Q-learning on the 16-node presets runs
    /// ~20 % slower on KLU; at 256 nodes the two break even (5.0 vs 5.9 ms per solve with new
    /// gates, 4.4 vs 3.7 ms with the same gates); at 1,024 nodes KLU takes 50 ms instead of 63,
    /// and a 64×64 lattice's `op` 0.36 s instead of 78 s.
    public static let kluMinimumNodes = 512

    /// The linear solver this solver's circuits use: KLU where the library has it and the network
    /// has at least ``kluMinimumNodes`` nodes.
    public let linearSolver: LinearSolver

    static func linearSolver(nodeCount: Int, library: LinearSolver) -> LinearSolver {
        library == .klu && nodeCount >= kluMinimumNodes ? .klu : .sparse
    }

    /// A solver with the default model card (``ModelCard/standard()``).
    public convenience init(topology: Topology, options: Options = Options()) throws {
        try self.init(topology: topology, model: try ModelCard.standard(), options: options)
    }

    deinit {
        let circuits = loaded.map(\.id)
        try? engine.withLock { for circuit in circuits { try engine.removeCircuit(circuit) } }
        for session in sessions { try? session.engine.withLock { try session.engine.removeCircuit(session.id) } }
        SessionEngines.release(sessionEngines.map(\.engine))
    }

    public func solve(parameters: [Double], held: HeldNodes, warmStart: [Double]?) throws -> Equilibrium {
        try topology.validateParameters(parameters)
        try Self.checkValues(of: held)
        if usesSessions {
            try solveInSession(parameters: parameters, held: held)
        } else {
            try engine.withLock {
                try prepareCircuit(.operatingPoint, parameters: parameters, held: held)
                try engine.operatingPoint(nodeCount: topology.nodeCount, into: &voltages)
            }
        }
        return equilibrium(parameters: parameters, voltages: voltages)
    }

    /// Time spent inside ngspice, in nanoseconds: by this solver's engine (which other solvers
    /// may share) and by its session engines since this solver claimed them.
    public var timeSpentInNgspice: NgspiceEngine.TimeSpent {
        sessionEngines.reduce(engine.timeSpent) { total, claimed in
            let now = claimed.engine.timeSpent
            return NgspiceEngine.TimeSpent(
                analysis: total.analysis + now.analysis - claimed.spentAtClaim.analysis,
                allCalls: total.allCalls + now.allCalls - claimed.spentAtClaim.allCalls)
        }
    }

    /// The session points this solver ran and their Newton iterations: the sum over its session
    /// engines since it claimed them (an engine runs the sessions of one solver at a time, so
    /// these are exactly this solver's). Zero without sessions.
    public var sessionPointCounts: NgspiceEngine.SessionPointCounts {
        sessionEngines.reduce(NgspiceEngine.SessionPointCounts()) { total, claimed in
            total.adding(claimed.engine.sessionPoints.since(claimed.pointsAtClaim))
        }
    }

    /// Newton's tolerances in batch circuits. Each point of a `dc` sweep starts Newton from the
    /// previous point's solution, and ngspice stops once every node's step is below
    /// reltol·|V| + vntol; from there a point ends about that far from the operating point a
    /// fresh `op` reaches (measured on the presets with gates in [1, 5.5]: 1.3e-6 V at the
    /// single solves' reltol=1e-6, 9e-10 V at reltol=1e-9 vntol=1e-12, 3.7e-12 V at these
    /// values, 5e-13 V at reltol=1e-12 vntol=1e-15). These leave 250× margin under the 1e-9 V
    /// contract and stay a decade above 1e-12, leaving rounding on larger or stiffer networks
    /// room before it could keep Newton's test from passing (both converge on the 4,096-node
    /// lattice). They cost ~15 % more Newton iterations than reltol=1e-6 (9 instead of 8 per
    /// point at 1,024 nodes).
    public static let batchTolerances = ["reltol": "1e-11", "vntol": "1e-14"]

    /// Batch circuits of networks from this many edges use ``sessionTolerances`` instead of
    /// ``batchTolerances``: a sweep point starts from the previous point as a session point does,
    /// and the tighter tolerances are near rounding on large networks (see ``sessionTolerances``).
    /// Measured on the 100×100 `ald1106` lattice (`lattice-teacher`, trained gates, a sweep of 16
    /// examples, debug build on a loaded machine): 36 s at ``batchTolerances``, 22 s at these;
    /// batches of the 8,192-edge lattice converge at both. Session solvers of such networks run
    /// their batches as session points instead (``solveBatch(parameters:held:warmStarts:)``).
    public static let coarseBatchMinimumEdges = 10_000

    /// Newton's tolerances in session circuits: each point starts from the previous solve, so it
    /// ends within about reltol·|V| + vntol of a fresh `op`'s point (measured ≤ 1.5e-10 V at these
    /// values on 256-node lattices; tested ≤ 1e-9 V). Tighter ones (``batchTolerances``) hit
    /// rounding on the 20,000-edge `ald1106` lattice: Newton's test never passes and ngspice falls
    /// back to gmin stepping at every point (a 10-minute run did not finish one update).
    public static let sessionTolerances = ["reltol": "1e-9", "vntol": "1e-12"]

    /// Newton's tolerances of session circuits on networks below ``preciseSessionMaximumEdges``
    /// edges, until a point fails to converge at them (then ``sessionTolerances``). A session
    /// point is the Newton iterate *before* the step that passed ngspice's convergence test
    /// (`NIiter` returns with the new iterate unreported; the point written is the one the
    /// circuit was last loaded at), so it lies up to about one tolerance, reltol·|V| + vntol,
    /// from the operating point: first order in the tolerance (a cold `op` has the same rule,
    /// but its steps shrink quadratically from far away, so its last one usually lies far below). Measured on a 1,000-step Q-learning run (navigation,
    /// `nmos-ideal`, final gates against single `op`s at reltol 1e-12 abstol 1e-18 vntol 1e-15):
    /// sessions at ``sessionTolerances`` 4e-8 V, at reltol 1e-10 2.8e-8 V, at these 5.7e-10 V;
    /// the `op` path 3e-11 V, its batches (``batchTolerances``) 7.8e-10 V. Cost on 18–50-edge
    /// networks: within the run-to-run spread (0.12–0.23 ms CPU per update). Cards with series
    /// resistance (`rsh`, `rd`, `rs`: `pyclln-ald1106`) keep ``sessionTolerances``: at reltol
    /// ≤ 3e-11 their points stop converging by Newton from the previous point, and ngspice then
    /// solves each from scratch with gmin stepping, which succeeds slowly (18-edge lattice: 1.7
    /// instead of 0.13 ms CPU per update) instead of failing (at reltol 1e-10 it converged over
    /// 50 updates; without `rsh` the card runs at these tolerances, with `is=0` but `rsh` it does not).
    public static let preciseSessionTolerances = batchTolerances

    /// Networks below this many edges start their sessions at ``preciseSessionTolerances`` (on
    /// cards without series resistance): the small networks, which solved with `op`s before
    /// sessions became their default. Larger ones keep
    /// ``sessionTolerances``, at which the sizes above were measured: on the 20,000-edge
    /// `ald1106` lattice the tighter ones make every point fall back to gmin stepping instead
    /// of failing.
    public static let preciseSessionMaximumEdges = 64

    /// `options` with ``batchTolerances`` in place of its own reltol and vntol (ngspice keeps the
    /// first of two settings of an option, so they are replaced, not appended).
    public static func batchSpiceOptions(_ options: String, tolerances replacing: [String: String] = batchTolerances) -> String {
        let kept = options.split(whereSeparator: \.isWhitespace).filter { setting in
            let key = setting.split(separator: "=", maxSplits: 1).first.map { $0.lowercased() } ?? ""
            return replacing[key] == nil
        }
        let tolerances = replacing.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }
        return (kept.map(String.init) + tolerances).joined(separator: " ")
    }

    /// The batch as one `dc` sweep (of at most ``maximumSweepPoints`` points; longer batches run
    /// as several of equal length): the held-node set's batch circuit declares its held sources
    /// `external` and adds the sweep source ``SpiceNames/sweepSource``; gates change in
    /// place as for single solves, and point k's held voltages come from the engine's
    /// GetVSRCData callback. ngspice sets up and reorders its matrix once per sweep instead of
    /// once per solve. The batch circuit's options (``batchNetlistOptions``,
    /// ``batchTolerances``) keep the results equal to single solves' within 1e-9 V (measured
    /// ≤ 4e-12 V). `warmStarts` are checked for their count and otherwise ignored (ngspice chains
    /// the points itself); a batch of one is a single solve. With sessions, networks from
    /// ``coarseBatchMinimumEdges`` edges solve a batch as session points instead: a sweep starts
    /// with a cold `op` and a sweep circuit takes every changed gate as an `altermod`, while the
    /// session goes on from its last point with its gates `external` (measured on the 100×100
    /// `ald1106` lattice of `lattice-teacher`, two runs side by side on 2 cores: 18–24 s per
    /// evaluation of its 80 examples after training epochs, instead of 198–248 s as sweeps).
    public func solveBatch(parameters: [Double], held: [HeldNodes], warmStarts: [[Double]?]) throws -> [Equilibrium] {
        guard held.count > 1, !(usesSessions && topology.edgeCount >= Self.coarseBatchMinimumEdges) else {
            return try solveOneByOne(parameters: parameters, held: held, warmStarts: warmStarts)
        }
        try SolverError.checkBatch(held, warmStarts: warmStarts)
        try topology.validateParameters(parameters)
        for problem in held { try Self.checkValues(of: problem) }
        let sources = held[0].nodes.map(SpiceNames.heldSource)
        var points: [[Double]] = []
        points.reserveCapacity(held.count)
        let sweeps = (held.count + Self.maximumSweepPoints - 1) / Self.maximumSweepPoints
        try engine.withLock {
            try prepareCircuit(.sweep, parameters: parameters, held: held[0])
            for sweep in 0..<sweeps {
                let chunk = held[(sweep * held.count / sweeps)..<((sweep + 1) * held.count / sweeps)]
                points += try engine.sweep(
                    SpiceNames.sweepSource, nodeCount: topology.nodeCount, externalSources: sources, values: chunk.map(\.values))
            }
        }
        return points.map { equilibrium(parameters: parameters, voltages: $0) }
    }

    /// Throws unless `held` has one finite value per node.
    private static func checkValues(of held: HeldNodes) throws {
        guard held.nodes.count == held.values.count else {
            throw TopologyError.wrongLabelCount(held.values.count, expected: held.nodes.count)
        }
        for (node, value) in zip(held.nodes, held.values) where !value.isFinite {
            throw SolverError.nonFiniteInput("the voltage held at node \(node)")
        }
    }

    private func equilibrium(parameters: [Double], voltages: [Double]) -> Equilibrium {
        let (floor, saturated) = options.diagnostics
            ? EdgeModel.classify(
                topology: topology, parameters: parameters, voltages: voltages, removed: removedEdges, mismatch: options.mismatch)
            : ([], [])
        return Equilibrium(voltages: voltages, iterations: 0, residual: 0, floorEdges: floor, saturatedEdges: saturated)
    }

    /// Removes the edges' elements from the netlist; circuits are recompiled and reloaded at the
    /// next solve. Node and edge numbering stay those of ``topology``.
    public func removeEdges(_ edges: Set<Int>) throws {
        for e in edges where !(0..<topology.edgeCount).contains(e) {
            throw TopologyError.unknownNode(e, role: "edge removal (edge index)", nodeCount: topology.edgeCount, at: nil)
        }
        removedEdges.formUnion(edges)
        circuitTopology.edges = topology.edges.enumerated().filter { !removedEdges.contains($0.offset) }.map(\.element)
        rebuildUpdatePrefixes()
        let circuits = loaded.map(\.id)
        loaded.removeAll()
        try engine.withLock { for circuit in circuits { try engine.removeCircuit(circuit) } }
        for session in sessions { try session.engine.withLock { try session.engine.removeCircuit(session.id) } }
        sessions.removeAll()
    }

    /// The netlist this solver loads for these values, with `.op` appended: run it with
    /// `ngspice -b` to reproduce a solve. Edges are numbered without the removed ones.
    public func netlist(parameters: [Double], held: HeldNodes) throws -> Netlist {
        try topology.validateParameters(parameters)
        var withAnalysis = netlistOptions
        withAnalysis.includeAnalysis = true
        return try compile(parameters: parameters, held: held, options: withAnalysis)
    }

    // MARK: Sessions

    /// The circuit of one held-node set running as a session on a session engine.
    private final class SessionCircuit {
        let heldNodes: [Int]
        let engine: NgspiceEngine
        let slot: Int
        let id: NgspiceEngine.CircuitID
        /// Gate sources first (kept edges, in the compiled numbering), then held sources.
        let inputs: NgspiceEngine.ExternalInputs

        init(heldNodes: [Int], engine: NgspiceEngine, slot: Int, id: NgspiceEngine.CircuitID, inputs: NgspiceEngine.ExternalInputs) {
            self.heldNodes = heldNodes
            self.engine = engine
            self.slot = slot
            self.id = id
            self.inputs = inputs
        }
    }

    /// One solve as the next point of the held-node set's session: the gates and held values
    /// go to the session's inputs, `step` resumes the sweep for one point. Starts the session
    /// (loads its circuit, runs the first point from ngspice's own initial guess) when there is
    /// none, and once more when a step fails (that solve then starts cold). A point that fails at
    /// ``preciseSessionTolerances`` switches this solver's sessions to ``sessionTolerances``:
    /// the failing one at once, the others when they next start.
    private func solveInSession(parameters: [Double], held: HeldNodes) throws {
        let kept = parameters.indices.filter { !removedEdges.contains($0) }
        let values = kept.map { topology.edges[$0].element.model.netlistValue(parameter: parameters[$0]) } + held.values
        if let index = sessions.firstIndex(where: { $0.heldNodes == held.nodes }) {
            let session = sessions.remove(at: index)
            sessions.insert(session, at: 0)
            let stepped: Bool = try session.engine.withLock {
                guard session.engine.hasSession(on: session.id) else { return false }
                session.inputs.values = values
                do {
                    try session.engine.stepSession(session.id, nodeCount: topology.nodeCount, into: &voltages)
                    return true
                } catch SpiceError.noConvergence {
                    loosenSessionTolerances()
                    return false  // the session has ended; start it again from a cold first point
                }
            }
            if stepped { return }
            sessions.removeFirst()
            try startSession(parameters: parameters, held: held, values: values, slot: session.slot)
            return
        }
        let slot = sessions.count < SessionEngines.perSolver
            ? (0..<SessionEngines.perSolver).first { s in !sessions.contains { $0.slot == s } }!
            : sessions.removeLast().slot
        try startSession(parameters: parameters, held: held, values: values, slot: slot)
    }

    private func startSession(parameters: [Double], held: HeldNodes, values: [Double], slot: Int) throws {
        while sessionEngines.count <= slot {
            let claimed = try SessionEngines.claim()
            sessionEngines.append((claimed, claimed.timeSpent, claimed.sessionPoints))
        }
        let engine = sessionEngines[slot].engine
        let edgeCount = parameters.count - removedEdges.count
        let names = (0..<edgeCount).map(SpiceNames.gateSource) + held.nodes.map(SpiceNames.heldSource)
        let inputs = NgspiceEngine.ExternalInputs(names: names, values: values)
        for stale in sessions where stale.slot == slot { try engine.withLock { try engine.removeCircuit(stale.id) } }
        sessions.removeAll { $0.slot == slot }
        let id: NgspiceEngine.CircuitID
        do {
            id = try beginSession(on: engine, parameters: parameters, held: held, inputs: inputs)
        } catch SpiceError.noConvergence where sessionNetlistOptions.spiceOptions != standardSessionSpiceOptions {
            loosenSessionTolerances()
            id = try beginSession(on: engine, parameters: parameters, held: held, inputs: inputs)
        }
        sessions.insert(SessionCircuit(heldNodes: held.nodes, engine: engine, slot: slot, id: id, inputs: inputs), at: 0)
    }

    /// Loads the held-node set's session circuit on `engine` and runs its first point.
    private func beginSession(
        on engine: NgspiceEngine, parameters: [Double], held: HeldNodes, inputs: NgspiceEngine.ExternalInputs
    ) throws -> NgspiceEngine.CircuitID {
        let netlist = try compile(parameters: parameters, held: held, options: sessionNetlistOptions)
        return try engine.withLock {
            let id = try engine.loadCircuit(netlist.lines, probe: SpiceNames.dcProbe(source: SpiceNames.sweepSource))
            try engine.beginSession(id, sweepSource: SpiceNames.sweepSource, inputs: inputs, nodeCount: topology.nodeCount, into: &voltages)
            return id
        }
    }

    /// Later sessions of this solver use ``sessionTolerances``.
    private func loosenSessionTolerances() {
        sessionNetlistOptions.spiceOptions = standardSessionSpiceOptions
    }

    // MARK: Circuits

    /// What a loaded circuit is for.
    private enum CircuitForm {
        /// Single solves (`op`): held sources with `dc` values, changed with `alter`.
        case operatingPoint
        /// Batches (`dc` sweeps): `external` held sources (``HeldSourceStyle/externalSweep``).
        case sweep
    }

    /// The ngspice circuit of one held-node set and form, and the values it currently holds.
    private final class LoadedCircuit {
        let heldNodes: [Int]
        let form: CircuitForm
        /// `alter vh<i> = ` per held node.
        let heldPrefixes: [String]
        var id: NgspiceEngine.CircuitID
        var parameters: [Double]
        /// The held values of an ``CircuitForm/operatingPoint`` circuit (a sweep's come from the engine).
        var heldValues: [Double]

        init(id: NgspiceEngine.CircuitID, form: CircuitForm, parameters: [Double], held: HeldNodes) {
            self.id = id
            self.form = form
            heldNodes = held.nodes
            heldPrefixes = held.nodes.map(SpiceNames.heldUpdatePrefix)
            self.parameters = parameters
            heldValues = held.values
        }

        func matches(_ form: CircuitForm, _ nodes: [Int]) -> Bool { self.form == form && heldNodes == nodes }
    }

    /// Selects the circuit of `held.nodes` in `form` (loading it if needed) and brings its values
    /// up to date (held values only for the ``CircuitForm/operatingPoint`` form).
    private func prepareCircuit(_ form: CircuitForm, parameters: [Double], held: HeldNodes) throws {
        guard let index = loaded.firstIndex(where: { $0.matches(form, held.nodes) }), engine.isLoaded(loaded[index].id)
        else {
            loaded.removeAll { $0.matches(form, held.nodes) }
            let id = try load(form, parameters: parameters, held: held)
            loaded.insert(LoadedCircuit(id: id, form: form, parameters: parameters, held: held), at: 0)
            while loaded.count > Self.maximumLoadedCircuits { try engine.removeCircuit(loaded.removeLast().id) }
            return
        }
        let circuit = loaded.remove(at: index)
        loaded.insert(circuit, at: 0)
        let heldChanged = form == .operatingPoint && held.values != circuit.heldValues
        switch options.updateMode {
        case .batched, .onePerCommand:
            try engine.select(circuit.id)
            try sendChanges(to: circuit, parameters: parameters, held: held)
        case .reload:
            guard parameters != circuit.parameters || heldChanged else { return try engine.select(circuit.id) }
            try engine.removeCircuit(circuit.id)
            circuit.id = try load(form, parameters: parameters, held: held)
        }
        circuit.parameters = parameters
        if form == .operatingPoint { circuit.heldValues = held.values }
    }

    private func load(_ form: CircuitForm, parameters: [Double], held: HeldNodes) throws -> NgspiceEngine.CircuitID {
        switch form {
        case .operatingPoint:
            let netlist = try compile(parameters: parameters, held: held, options: netlistOptions)
            return try engine.loadCircuit(netlist.lines, probe: SpiceNames.dcProbe(source: SpiceNames.heldSource(node: held.nodes[0])))
        case .sweep:
            let netlist = try compile(parameters: parameters, held: held, options: batchNetlistOptions)
            return try engine.loadCircuit(netlist.lines, probe: SpiceNames.dcProbe(source: SpiceNames.sweepSource))
        }
    }

    private func compile(parameters: [Double], held: HeldNodes, options: NetlistOptions) throws -> Netlist {
        let keptEdges = parameters.indices.filter { !removedEdges.contains($0) }
        var options = options
        options.mismatch = options.mismatch.map { m in
            DeviceMismatch(thresholdOffsets: keptEdges.map { m.thresholdOffsets[$0] }, gainFactors: keptEdges.map { m.gainFactors[$0] })
        }
        return try NetlistCompiler.compile(
            circuitTopology, parameters: keptEdges.map { parameters[$0] }, held: held, phaseLabel: "held nodes \(held.nodes)",
            options: options)
    }

    /// Sends the values that differ from what `circuit` holds (for a sweep circuit: the edges'),
    /// batched as the options say.
    private func sendChanges(to circuit: LoadedCircuit, parameters: [Double], held: HeldNodes) throws {
        var batch = CommandBatch(joined: options.updateMode == .batched)
        for (e, prefix) in updatePrefix.enumerated() where parameters[e] != circuit.parameters[e] {
            guard let prefix else { continue }
            try batch.add(prefix, spiceValue(edge: e, parameter: parameters[e]), to: engine)
        }
        if circuit.form == .operatingPoint {
            for k in held.values.indices where held.values[k] != circuit.heldValues[k] {
                try batch.add(circuit.heldPrefixes[k], held.values[k], to: engine)
            }
        }
        try batch.flush(to: engine)
    }

    /// The value written for edge `e` after its ``SpiceNames/updatePrefix(edge:form:gateStyle:)``
    /// (the netlist compiler's, so that updates equal a reload): the element's netlist value, or
    /// for a MOSFET in the per-edge threshold form its model's `vto` = V_T + ΔV_T − U_G (V_T the
    /// topology's, or the card's own where it fixes one).
    private func spiceValue(edge e: Int, parameter p: Double) -> Double {
        let model = topology.edges[e].element.model
        let value = model.netlistValue(parameter: p)
        guard model.netlistForm == .mosfet, netlistOptions.gateStyle == .thresholdPerEdge else { return value }
        let shift = options.mismatch?.thresholdOffsets[e] ?? 0
        return thresholdBase + shift - value
    }

    /// Command prefixes follow the netlist compiler's names, whose edge numbers skip removed edges.
    private func rebuildUpdatePrefixes() {
        var number = 0
        updatePrefix = topology.edges.enumerated().map { e, edge in
            guard !removedEdges.contains(e) else { return nil }
            defer { number += 1 }
            return SpiceNames.updatePrefix(edge: number, form: edge.element.model.netlistForm, gateStyle: netlistOptions.gateStyle)
        }
    }

    /// Whether the compiler accepts the per-edge threshold form for the card (no body effect),
    /// tried on a one-transistor circuit (without the chip's mismatch, which is per edge of the
    /// real topology and does not decide the form).
    private static func acceptsThresholdStyle(_ options: NetlistOptions) throws -> Bool {
        let probe = Topology(name: "gate style probe", nodeCount: 2, edges: [Edge(0, 1)], inputs: [0, 1])
        var options = options
        options.mismatch = nil
        do {
            _ = try NetlistCompiler.compile(
                probe, parameters: [3], held: HeldNodes(nodes: [0, 1], values: [0, 0]), phaseLabel: "probe", options: options)
            return true
        } catch NetlistError.thresholdStyleUnsupported {
            return false
        }
    }
}

/// Joins `alter`/`altermod` commands with `;` up to ngspice's command-line limit (or sends each alone).
struct CommandBatch {
    let joined: Bool
    private var pending = ""

    init(joined: Bool) {
        self.joined = joined
        if joined { pending.reserveCapacity(NgspiceEngine.maximumCommandLength) }
    }

    /// Adds the command `prefix` + `value` (e.g. `altermod me3 vto = ` and −1.3).
    mutating func add(_ prefix: String, _ value: Double, to engine: NgspiceEngine) throws {
        let number = SpiceNumber.format(value)
        guard joined else { return try engine.command(prefix + number) }
        let length = prefix.utf8.count + number.utf8.count
        if !pending.isEmpty, pending.utf8.count + 3 + length > NgspiceEngine.maximumCommandLength {
            try flush(to: engine)
        }
        if !pending.isEmpty { pending += " ; " }
        pending += prefix
        pending += number
    }

    mutating func flush(to engine: NgspiceEngine) throws {
        guard !pending.isEmpty else { return }
        try engine.command(pending)
        pending.removeAll(keepingCapacity: true)
    }
}

/// The engines sessions run on: private copies of the ngspice library (each runs at most one
/// session, a paused analysis, at a time). Each solver with sessions holds up to ``perSolver``
/// of them for its lifetime, so that its free and clamped phase each keep theirs and no other
/// solver's session ever evicts one of its own: a session's points depend on the session's
/// history (each Newton run starts from the previous point, with the first point's pivots), so
/// with shared engines a solver's results depended on what other solvers of the process did
/// (a 600-step Q-learning run differed by > 1e-9 V). Engines come back at the solver's deinit
/// and serve later solvers; a copy is made (~30 ms, ~5 MiB for the rest of the process) only
/// when none is free, so a process holds twice as many as it has session solvers alive at once.
enum SessionEngines {
    static let perSolver = 2
    nonisolated(unsafe) private static var free: [NgspiceEngine] = []
    private static let lock = NSLock()

    /// A free engine, or a new private copy of the library.
    static func claim() throws -> NgspiceEngine {
        if let engine = lock.withLock({ free.popLast() }) { return engine }
        return try NgspiceEngine.isolatedCopy()
    }

    /// Returns engines whose circuits their solver has removed; an engine that ngspice left
    /// unusable (an exit it cannot recover from) or that still holds a circuit is dropped.
    static func release(_ engines: [NgspiceEngine]) {
        let reusable = engines.filter { engine in (try? engine.withLock { engine.loadedCircuitCount == 0 }) == true }
        lock.withLock { free += reusable }
    }
}
