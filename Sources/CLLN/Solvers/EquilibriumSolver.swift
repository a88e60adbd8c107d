import Foundation

/// The equilibrium of a network for given edge parameters and held nodes.
public struct Equilibrium: Sendable, Hashable {
    /// Voltage of every node, in node order (held nodes at their held values).
    public var voltages: [Double]
    /// Newton iterations used (for SPICE: as reported by ngspice, or 0 when unknown).
    public var iterations: Int
    /// Final residual: the largest KCL imbalance at a free node divided by that node's total
    /// conductance, in volts (an estimate of the remaining voltage error).
    public var residual: Double
    /// MOSFET edges whose idealized conductance sits at the floor (the channel is cut off), in
    /// edge order (``EdgeDiagnosis/atFloor``). V_T is each device's own on a mismatched chip.
    public var floorEdges: [Int]
    /// MOSFET edges that a real transistor would run saturated (spec §1), in edge order:
    /// min(Va, Vb) < U_G − V_T < max(Va, Vb), with each device's own V_T on a mismatched chip.
    /// There the idealized and SPICE models differ.
    public var saturatedEdges: [Int]

    public init(voltages: [Double], iterations: Int, residual: Double, floorEdges: [Int], saturatedEdges: [Int]) {
        self.voltages = voltages
        self.iterations = iterations
        self.residual = residual
        self.floorEdges = floorEdges
        self.saturatedEdges = saturatedEdges
    }
}

/// Every equilibrium backend (the idealized Newton solver, the ngspice engine) answers the same
/// question: given edge parameters in edge order and held nodes, where do the voltages settle?
///
/// Solvers keep per-topology workspaces and are not thread-safe: use one per thread (ideal) or
/// one per process (SPICE).
public protocol EquilibriumSolver: AnyObject {
    /// The network this solver was built for.
    var topology: Topology { get }
    /// A short backend name for summaries ("ideal", "spice").
    var backendName: String { get }
    /// Solves for the equilibrium. `warmStart`, when given, is a previous solution (node order)
    /// used as the starting point.
    func solve(parameters: [Double], held: HeldNodes, warmStart: [Double]?) throws -> Equilibrium
    /// Solves a batch of problems that share the edge parameters and the held nodes and differ
    /// only in the held values: one equilibrium per entry of `held`, in that order, each as
    /// ``solve(parameters:held:warmStart:)`` would give it within the backend's tolerance.
    /// `warmStarts` holds per problem a previous solution or `nil` (an empty array: none); a
    /// problem without one starts from the previous problem's solution, and one that does not
    /// converge from a warm start is solved once more from a cold start. The default solves the
    /// problems one after the other (``solveOneByOne(parameters:held:warmStarts:)``); SPICE solves
    /// the whole batch in one `dc` sweep. Throws ``SolverError/batchMixesHeldNodes(problem:nodes:expected:)``
    /// when the problems hold different nodes.
    func solveBatch(parameters: [Double], held: [HeldNodes], warmStarts: [[Double]?]) throws -> [Equilibrium]
    /// Removes edges from the circuit (an opened transistor) for all later solves.
    func removeEdges(_ edges: Set<Int>) throws
}

extension EquilibriumSolver {
    /// Solves from a cold start.
    public func solve(parameters: [Double], held: HeldNodes) throws -> Equilibrium {
        try solve(parameters: parameters, held: held, warmStart: nil)
    }

    /// The equilibrium from the warm start, and if Newton does not converge from there (near
    /// threshold the model can have several equilibria), once more from a cold start.
    public func solveRetryingCold(parameters: [Double], held: HeldNodes, warmStart: [Double]?) throws -> Equilibrium {
        do {
            return try solve(parameters: parameters, held: held, warmStart: warmStart)
        } catch SolverError.noConvergence where warmStart != nil {
            return try solve(parameters: parameters, held: held, warmStart: nil)
        }
    }

    /// Node voltages of ``solveRetryingCold(parameters:held:warmStart:)``.
    public func voltagesRetryingCold(parameters: [Double], held: HeldNodes, warmStart: [Double]?) throws -> [Double] {
        try solveRetryingCold(parameters: parameters, held: held, warmStart: warmStart).voltages
    }

    public func solveBatch(parameters: [Double], held: [HeldNodes], warmStarts: [[Double]?]) throws -> [Equilibrium] {
        try solveOneByOne(parameters: parameters, held: held, warmStarts: warmStarts)
    }

    /// A batch (see ``solveBatch(parameters:held:warmStarts:)``) solved one problem after the
    /// other, each from its own warm start or else from the previous problem's solution.
    public func solveOneByOne(parameters: [Double], held: [HeldNodes], warmStarts: [[Double]?]) throws -> [Equilibrium] {
        try SolverError.checkBatch(held, warmStarts: warmStarts)
        var solutions: [Equilibrium] = []
        solutions.reserveCapacity(held.count)
        for (k, problem) in held.enumerated() {
            let start = (warmStarts.isEmpty ? nil : warmStarts[k]) ?? solutions.last?.voltages
            solutions.append(try solveRetryingCold(parameters: parameters, held: problem, warmStart: start))
        }
        return solutions
    }
}

/// Why a solve failed.
public enum SolverError: Error, CustomStringConvertible, Equatable {
    case noConvergence(iterations: Int, residual: Double)
    case nonFiniteInput(String)
    case singular(iteration: Int)
    /// Problem `problem` of a batch holds `nodes`; the batch's first problem holds `expected`.
    case batchMixesHeldNodes(problem: Int, nodes: [Int], expected: [Int])
    /// A batch was given `warmStarts` warm starts for `problems` problems (give one per problem, or none).
    case batchWarmStartCount(warmStarts: Int, problems: Int)

    public var description: String {
        switch self {
        case let .noConvergence(iterations, residual):
            "Newton did not converge in \(iterations) iterations (scaled residual \(residual) V); "
                + "check for gates far below threshold everywhere, or pass a warm start"
        case let .nonFiniteInput(what):
            "\(what) is not finite; the solver needs finite gate and held voltages"
        case let .singular(iteration):
            "the Jacobian became singular at Newton iteration \(iteration); a node may be connected only "
                + "through removed edges: check the topology for floating nodes"
        case let .batchMixesHeldNodes(problem, nodes, expected):
            "problem \(problem) of a batch holds nodes \(nodes), the first holds \(expected); a batch shares one "
                + "held-node set: split it by held nodes"
        case let .batchWarmStartCount(warmStarts, problems):
            "a batch of \(problems) problems got \(warmStarts) warm starts; give one (or nil) per problem, or none"
        }
    }

    /// Throws unless every problem holds the first one's nodes and `warmStarts` is empty or has one
    /// entry per problem.
    static func checkBatch(_ held: [HeldNodes], warmStarts: [[Double]?]) throws {
        guard warmStarts.isEmpty || warmStarts.count == held.count else {
            throw batchWarmStartCount(warmStarts: warmStarts.count, problems: held.count)
        }
        guard let first = held.first else { return }
        if let k = held.firstIndex(where: { $0.nodes != first.nodes }) {
            throw batchMixesHeldNodes(problem: k, nodes: held[k].nodes, expected: first.nodes)
        }
    }
}
