import Foundation

/// Newton–Raphson on Kirchhoff's current law of the idealized model (spec §1).
///
/// Unknowns are the free nodes' voltages; held nodes are fixed. Each iteration evaluates the
/// KCL residual `r_i` (net current leaving free node i) and its analytic Jacobian (the floor clip
/// has zero derivative), solves `J·Δv = −r` with a dense LU (small networks) or SuiteSparse KLU/UMFPACK
/// (large ones; the symbolic analysis is kept per held-node set, and on the UMFPACK path a
/// held-node superset — the clamped phase — shares the structure and factors of the free phase,
/// its extra held nodes pinned; ``linearAlgebraCounts`` counts the work), and takes the step with a
/// backtracking line search on the scaled residual norm ‖r/D‖₂, projecting every iterate onto the range of the held voltages
/// (the maximum principle). Where the line search fails (conductance-floor and saturation kinks;
/// with gates near threshold the model can have several equilibria) it relaxes like the circuit
/// itself — implicit-Euler steps with node capacitances to ground, the time step growing until
/// the iteration is Newton's again — which settles into a stable equilibrium.
///
/// **Convergence criterion.** The scaled residual `ρ = maxᵢ |rᵢ| / Dᵢ`, where `Dᵢ` is the total
/// conductance at node i, estimates the voltage error in volts; a solve has converged when
/// `ρ ≤ tolerance · max(1, range)` (default tolerance 1e-13 V), or, when no Newton step can
/// reduce it further, `ρ ≤ 1e4 · tolerance` (rounding at nodes joined only by floor
/// conductances, whose totals Dᵢ are ~1e-5·k). A cold start begins from the
/// solution of the linear network whose conductances are frozen at the mid-range voltage.
public final class IdealSolver: EquilibriumSolver {
    /// Tunables of the Newton iteration.
    public struct Options: Sendable {
        /// Target of the scaled residual, in volts per volt of held range.
        public var tolerance = 1e-13
        /// Newton iterations before ``SolverError/noConvergence(iterations:residual:)``.
        public var maxIterations = 100
        /// Free-node count above which the sparse (KLU or UMFPACK) path is used.
        public var sparseThreshold = 96
        /// Compute ``Equilibrium/floorEdges`` and ``Equilibrium/saturatedEdges``.
        public var diagnostics = true
        public init() {}
    }

    public let topology: Topology
    public let backendName = "ideal"
    public var options: Options

    private let edgeA: [Int]
    private let edgeB: [Int]
    /// Per edge: the physics of its element (read once per solve, for the coefficients).
    private let models: [any ElementModel.Type]
    /// Per edge: the kernel its current follows (read per Newton iteration); `nil` once removed.
    @exclusivity(unchecked) private var law: [ConductanceLaw?]
    private var removed: Set<Int> = []
    /// A held-node set's structure: its own, or (``HeldStructure/pinned``) the structure of a
    /// subset with the other held nodes pinned.
    private struct View {
        let structure: HeldStructure
        let pinned: [Int]
    }
    private var structures: [[Int]: View] = [:]
    private var lastHeldNodes: [Int] = []
    private var lastView: View?
    /// Counts of structures dropped by ``removeEdges(_:)``.
    private var retiredCounts = LinearAlgebraCounts()
    /// Most held nodes a solve pins on a shared structure (each costs one solve per factorization).
    private static let maxPinned = 32

    /// The linear algebra of this solver's solves so far.
    public struct LinearAlgebraCounts: Sendable, Hashable {
        /// LU factorizations (dense, KLU or UMFPACK).
        public var factorizations = 0
        /// Solves with LU factors: one per Newton system on the dense and KLU paths; on the
        /// UMFPACK path every preconditioner application of the GMRES.
        public var solves = 0
    }

    /// Factorizations and solves with factors over every solve so far.
    public var linearAlgebraCounts: LinearAlgebraCounts {
        var counts = retiredCounts
        var seen: Set<ObjectIdentifier> = []
        for view in structures.values where seen.insert(ObjectIdentifier(view.structure)).inserted {
            let s = view.structure.statistics
            counts.factorizations += s.factorizations
            counts.solves += s.solves
        }
        return counts
    }

    /// Per-device deviations (threshold shifts, gain factors) of this chip; none by default.
    public var mismatch: DeviceMismatch? {
        didSet {
            gain = mismatch?.gainFactors ?? [Double](repeating: 1, count: topology.edgeCount)
            coefficientSource = []
        }
    }
    @exclusivity(unchecked) private var gain: [Double]

    /// Per-edge coefficient of the current solve (``ElementModel/coefficient(parameter:thresholdVoltage:)``):
    /// U_G − V_T for transistors, the conductance otherwise.
    @exclusivity(unchecked) private var coefficient: [Double]
    /// The parameters ``coefficient`` holds the coefficients of (empty: none); a solve with the
    /// same parameters (bit for bit) on the same chip reuses them.
    @exclusivity(unchecked) private var coefficientSource: [Double] = []
    @exclusivity(unchecked) private var voltages: [Double]
    @exclusivity(unchecked) private var trial: [Double]

    public init(topology: Topology, options: Options = Options()) throws {
        try topology.validate()
        self.topology = topology
        self.options = options
        edgeA = topology.edges.map(\.a)
        edgeB = topology.edges.map(\.b)
        models = topology.edges.map { $0.element.model }
        law = models.map { $0.law }
        coefficient = [Double](repeating: 0, count: topology.edgeCount)
        gain = [Double](repeating: 1, count: topology.edgeCount)
        voltages = [Double](repeating: 0, count: topology.nodeCount)
        trial = voltages
    }

    public func removeEdges(_ edges: Set<Int>) throws {
        for e in edges where !(0..<topology.edgeCount).contains(e) {
            throw TopologyError.unknownNode(e, role: "edge removal (edge index)", nodeCount: topology.edgeCount, at: nil)
        }
        removed.formUnion(edges)
        for e in removed { law[e] = nil }
        retiredCounts = linearAlgebraCounts
        structures.removeAll()
        lastView = nil
        lastHeldNodes = []
    }

    /// The edges removed so far.
    public var removedEdges: Set<Int> { removed }

    public func solve(parameters: [Double], held: HeldNodes, warmStart: [Double]?) throws -> Equilibrium {
        guard parameters.count == topology.edgeCount else {
            throw TopologyError.parameterCount(parameters.count, expected: topology.edgeCount)
        }
        guard held.nodes.count == held.values.count else {
            throw TopologyError.wrongLabelCount(held.values.count, expected: held.nodes.count)
        }
        let view = try view(for: held.nodes)
        let structure = view.structure
        structure.pinned = view.pinned
        var low = Double.infinity
        var high = -Double.infinity
        for (node, value) in zip(held.nodes, held.values) {
            guard value.isFinite else { throw SolverError.nonFiniteInput("the voltage held at node \(node)") }
            voltages[node] = value
            trial[node] = value
            low = min(low, value)
            high = max(high, value)
        }
        try loadCoefficients(parameters)
        let range = high - low
        let tolerance = options.tolerance * max(1, range)
        let roundingFloor = 1e4 * tolerance

        // The structure's free nodes include the pinned ones: hold them again after the start.
        func hold() {
            for (node, value) in zip(held.nodes, held.values) { voltages[node] = value }
        }
        if let warm = warmStart, warm.count == topology.nodeCount {
            for node in structure.freeNodes {
                let w = warm[node]
                voltages[node] = w.isFinite ? min(max(w, low), high) : (low + high) / 2
            }
            hold()
        } else {
            for node in structure.freeNodes { voltages[node] = (low + high) / 2 }
            hold()
            if structure.count > 0 && structure.count <= options.sparseThreshold {
                _ = evaluate(structure, at: voltages, linearized: true)
                try structure.factorAndSolve(iteration: 0)
                for (i, node) in structure.freeNodes.enumerated() {
                    voltages[node] = min(max(voltages[node] + structure.step[i], low), high)
                }
            }
        }

        var iterations = 0
        let factorizationsBefore = structure.statistics.factorizations
        var merit = evaluate(structure, at: voltages, linearized: false)
        /// Backtracks along `structure.step`; on sufficient decrease of the merit moves the iterate.
        func lineSearch(minimumStep: Double) -> Bool {
            var t = 1.0
            while t >= minimumStep {
                for (i, node) in structure.freeNodes.enumerated() {
                    trial[node] = min(max(voltages[node] + t * structure.step[i], low), high)
                }
                let trialMerit = evaluate(structure, at: trial, linearized: false)
                if trialMerit <= (1 - 1e-4 * t) * merit {
                    merit = trialMerit
                    swap(&voltages, &trial)
                    return true
                }
                t /= 2
            }
            return false
        }
        while structure.scaledResidual > tolerance {
            guard iterations < options.maxIterations else {
                throw SolverError.noConvergence(iterations: iterations, residual: structure.scaledResidual)
            }
            iterations += 1
            // Inexact Newton (Eisenstat–Walker): far from the solution a rough step will do; and
            // near the tolerance a step need only leave a linear residual of about
            // tolerance/ρ of this one (with a factor 100 of margin for the 2-norm the linear
            // solve measures): asking for more would be solves the stopping test never sees.
            // (`clln bench ideal-scale`, 100,352 edges, factorizations + solves per update: lattice
            // 1.3 + 21.9 → 1.3 + 21.2 with per-example warm starts, 1.3 + 27.0 → 1.3 + 26.2 from
            // the previous update's solution; dense 0.2 + 15.6 → 0.2 + 14.4. Forcing ρ instead
            // of √ρ: lattice 1.9 + 23.0, slower.)
            let forcing = min(0.1, max(
                (structure.scaledResidual / max(1, range)).squareRoot(), 0.01 * tolerance / structure.scaledResidual))
            // Newton–Krylov with a lagged preconditioner (UMFPACK path): the kept factors come
            // from an earlier solve (the previous update's, or the free phase's for the clamped
            // one). When the last system needed more than three solves with them, the factors of
            // this Jacobian serve the remaining Newton systems better: renew them, once per solve.
            // (Measured on the 100,352-edge lattice update, previous update's solution as warm
            // start: thresholds 2, 3, 4, 5, never gave 2.0, 1.1, 1.1, 1.0, 0.4 factorizations +
            // 21.8, 26.0, 29.6, 34.9, 50.9 solves per update; a factorization ≈ 18 solves. With
            // per-example warm starts, `clln bench ideal-scale`'s default: 3, 5, never gave
            // 1.3, 1.1, 0.5 + 21.9, 30.8, 44.7; renewing at the first system of every free phase
            // as well, 1.3 + 18.7 instead of 1.3 + 21.2 with the forcing below, but 0.9 instead
            // of 0.2 factorizations per update on the dense layered network, whose stale factors
            // serve.)
            let refactor = iterations >= 2 && structure.lastSolves > 3
                && structure.statistics.factorizations == factorizationsBefore
            try structure.factorAndSolve(iteration: iterations, forcing: forcing, refactor: refactor)
            if lineSearch(minimumStep: 1.0 / 64) { continue }
            // At the rounding floor (nodes joined only by floor conductances) no step helps.
            if structure.scaledResidual <= roundingFloor { break }
            // Newton's local model failed: a conductance-floor or saturation kink lies in the
            // way (near threshold the model can have several equilibria, and ∂I/∂V changes sign).
            // Follow the circuit's own relaxation instead, then let Newton finish.
            try relax(structure, low: low, high: high, tolerance: tolerance)
            merit = evaluate(structure, at: voltages, linearized: false)
        }
        guard voltages.allSatisfy(\.isFinite) else { throw SolverError.nonFiniteInput("a node voltage (diverged)") }
        let (floor, saturated) = options.diagnostics ? classify() : ([], [])
        return Equilibrium(
            voltages: voltages, iterations: iterations, residual: structure.scaledResidual,
            floorEdges: floor, saturatedEdges: saturated)
    }

    /// Pseudo-transient relaxation: implicit-Euler steps of `C·dv/dt = −r(v)` with equal node
    /// capacitances C (one mean node conductance × unit time), each step solved by Newton on
    /// `C·(v − vₙ)/h + r(v) = 0`. The step h doubles after every accepted step and shrinks
    /// fourfold when the inner Newton fails, so the iteration follows the physical circuit into a
    /// stable equilibrium and turns into plain Newton as h grows. Returns once the scaled
    /// residual is below `tolerance`, or after `maxIterations` inner solves.
    private func relax(_ s: HeldStructure, low: Double, high: Double, tolerance: Double) throws {
        _ = evaluate(s, at: voltages, linearized: false)
        let capacitance = s.conductanceTotal.reduce(0, +) / Double(max(s.count, 1))
        var h = 1e-2
        var previous = voltages
        var solves = 0
        while s.scaledResidual > tolerance && solves < 50 * options.maxIterations {
            previous = voltages
            var converged = false
            for _ in 0..<8 {
                solves += 1
                let shift = capacitance / h
                for (i, node) in s.freeNodes.enumerated() {
                    s.residual[i] += shift * (voltages[node] - previous[node])
                    s.values[s.diagonalPositions[i]] += shift
                }
                try s.factorAndSolve(iteration: solves)
                for (i, node) in s.freeNodes.enumerated() {
                    voltages[node] = min(max(voltages[node] + s.step[i], low), high)
                }
                _ = evaluate(s, at: voltages, linearized: false)
                // Converged when the implicit-Euler equation holds (a step cut short by the
                // held range does not count), in the same scaled units as the outer test.
                var worst = 0.0
                for (i, node) in s.freeNodes.enumerated() {
                    let implicitResidual = s.residual[i] + shift * (voltages[node] - previous[node])
                    worst = max(worst, abs(implicitResidual) / (shift + s.conductanceTotal[i]))
                }
                if worst <= tolerance {
                    converged = true
                    break
                }
            }
            if converged {
                h = min(2 * h, 1e12)
            } else {
                for node in s.freeNodes { voltages[node] = previous[node] }
                _ = evaluate(s, at: voltages, linearized: false)
                h /= 4
                if h < 1e-12 { break }
            }
        }
    }

    /// ``EdgeModel/classify(topology:parameters:voltages:removed:mismatch:)`` of the current
    /// solve, from the coefficients already loaded (U_G − V_T with this chip's thresholds).
    private func classify() -> (floor: [Int], saturated: [Int]) {
        var floorEdges: [Int] = []
        var saturated: [Int] = []
        let floor = topology.device.conductanceFloor
        for e in law.indices {
            guard let law = law[e] else { continue }  // removed
            let d = law.diagnose(coefficient: coefficient[e], va: voltages[edgeA[e]], vb: voltages[edgeB[e]], floor: floor)
            if d.atFloor { floorEdges.append(e) }
            if d.saturated { saturated.append(e) }
        }
        return (floorEdges, saturated)
    }

    private func loadCoefficients(_ parameters: [Double]) throws {
        if parameters.elementsEqual(coefficientSource, by: { $0.bitPattern == $1.bitPattern }) { return }
        coefficientSource = []
        try mismatch?.validate(edgeCount: topology.edgeCount)
        for e in 0..<topology.edgeCount {
            let vt = topology.device.thresholdVoltage + (mismatch?.thresholdOffsets[e] ?? 0)
            let p = parameters[e]
            guard p.isFinite else { throw SolverError.nonFiniteInput("edge \(e)'s parameter") }
            coefficient[e] = models[e].coefficient(parameter: p, thresholdVoltage: vt)
        }
        coefficientSource = parameters
    }

    /// The structure for `heldNodes`: cached; else a sparse (UMFPACK) structure of the largest
    /// cached subset of them (ties: the lexicographically first), with the rest pinned; else a new one.
    private func view(for heldNodes: [Int]) throws -> View {
        if let last = lastView, heldNodes == lastHeldNodes { return last }
        let v: View
        if let cached = structures[heldNodes] {
            v = cached
        } else {
            var pruned = topology
            pruned.edges = topology.edges.enumerated().filter { !removed.contains($0.offset) }.map(\.element)
            try pruned.checkHeldCoverage(heldNodes)
            let heldSet = Set(heldNodes)
            let bases = structures.filter { key, view in
                view.pinned.isEmpty && view.structure.supportsPinning && key.count < heldSet.count
                    && heldSet.count - key.count <= Self.maxPinned && Set(key).isSubset(of: heldSet)
            }
            if let base = bases.max(by: { $0.key.count != $1.key.count ? $0.key.count < $1.key.count : $1.key.lexicographicallyPrecedes($0.key) }) {
                let s = base.value.structure
                let pinned = heldSet.subtracting(base.key).map { Int(s.freeIndex[$0]) }.sorted()
                v = View(structure: s, pinned: pinned)
            } else {
                v = View(structure: try makeStructure(heldNodes), pinned: [])
            }
            structures[heldNodes] = v
        }
        lastHeldNodes = heldNodes
        lastView = v
        return v
    }

    private func makeStructure(_ heldNodes: [Int]) throws -> HeldStructure {
        let s = try HeldStructure(topology: topology, held: heldNodes, open: removed, sparseThreshold: options.sparseThreshold)
        s.diagonalPositions = [Int](repeating: -1, count: s.count)
        for e in topology.edges.indices where !removed.contains(e) {
            let (ia, ib) = (Int(s.freeIndex[edgeA[e]]), Int(s.freeIndex[edgeB[e]]))
            if ia >= 0 { s.diagonalPositions[ia] = Int(s.positions[4 * e]) }
            if ib >= 0 { s.diagonalPositions[ib] = Int(s.positions[4 * e + 3]) }
        }
        return s
    }

    /// Fills the residual, Jacobian values and node conductance totals at `v`; returns the merit
    /// Σᵢ (rᵢ/Dᵢ)², the squared norm of the per-node voltage-error estimates.
    /// `linearized` freezes each edge's conductance (the Jacobian of the linear network).
    private func evaluate(_ s: HeldStructure, at v: [Double], linearized: Bool) -> Double {
        let k = topology.device.k
        let floor = topology.device.conductanceFloor
        let n = s.count
        return v.withUnsafeBufferPointer { v in
            coefficient.withUnsafeBufferPointer { c in
                s.residual.withUnsafeMutableBufferPointer { r in
                    s.conductanceTotal.withUnsafeMutableBufferPointer { d in
                        s.values.withUnsafeMutableBufferPointer { jac in
                            s.positions.withUnsafeBufferPointer { pos in
                                s.freeIndex.withUnsafeBufferPointer { fi in
                                    for i in 0..<n { r[i] = 0; d[i] = 0 }
                                    for i in 0..<jac.count { jac[i] = 0 }
                                    for e in 0..<edgeA.count {
                                        let a = edgeA[e], b = edgeB[e]
                                        guard let law = law[e] else { continue }  // removed
                                        let va = v[a], vb = v[b]
                                        let (g, dIdA, dIdB) = law.evaluate(
                                            coefficient: c[e], va: va, vb: vb, k: k * gain[e], floor: floor,
                                            linearized: linearized)
                                        let current = g * (va - vb)
                                        let ia = Int(fi[a]), ib = Int(fi[b])
                                        if ia >= 0 { r[ia] += current; d[ia] += g }
                                        if ib >= 0 { r[ib] -= current; d[ib] += g }
                                        let p = 4 * e
                                        if pos[p] >= 0 { jac[Int(pos[p])] += dIdA }
                                        if pos[p + 1] >= 0 { jac[Int(pos[p + 1])] += dIdB }
                                        if pos[p + 2] >= 0 { jac[Int(pos[p + 2])] -= dIdA }
                                        if pos[p + 3] >= 0 { jac[Int(pos[p + 3])] -= dIdB }
                                    }
                                    for i in s.pinned { r[i] = 0; d[i] = 0 }  // held by this solve
                                    var merit = 0.0
                                    var scaled = 0.0
                                    for i in 0..<n {
                                        let voltageError = r[i] / max(d[i], .leastNormalMagnitude)
                                        merit += voltageError * voltageError
                                        scaled = max(scaled, abs(voltageError))
                                    }
                                    s.scaledResidual = n == 0 ? 0 : (scaled.isNaN ? .infinity : scaled)
                                    return merit
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}
