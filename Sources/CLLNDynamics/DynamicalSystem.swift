/// A tunable network dx/dt = F(x; θ): node states x (dimension ``stateCount``), tunable parameters
/// θ living on edges (or on nodes, as self-edges).
///
/// Explicit time dependence enters only through an ``Episode``'s inputs u(t), so F is autonomous.
/// Derivatives are supplied as vector–Jacobian products, the form both the adjoint and the local
/// rule consume, and in O(edges) time:
/// - the adjoint contracts ∂F/∂θ with the adjoint state λ(t): gᵢ = Σⱼ λⱼ ∂Fⱼ/∂θᵢ;
/// - the local rule contracts it with the measured contrast x^C − x^F:
///   Δθᵢ ∝ Σⱼ (x^C_j − x^F_j) ∂Fⱼ/∂θᵢ.
/// **Locality contract:** ∂Fⱼ/∂θᵢ ≠ 0 only for j in ``nodes(touchedBy:)``, so the local rule for θᵢ
/// reads the contrast only at the nodes edge i touches (checked against finite differences in the
/// tests). A reciprocal network ties kᵢⱼ = kⱼᵢ to one parameter that touches both nodes; its local
/// rule is then the symmetrized rule (the sum of both directed updates), as in the paper's Eq. 24.
public protocol DynamicalSystem: Sendable {
    /// A human name for messages and plots ("linear oscillator network").
    var label: String { get }
    var stateCount: Int { get }
    var parameterCount: Int { get }
    /// Whether every coupling acts equally in both directions (kᵢⱼ = kⱼᵢ by construction).
    var isReciprocal: Bool { get }

    /// Writes F(x; θ) into `rates` (all `stateCount` components).
    func rates(_ x: [Double], parameters: [Double], into rates: inout [Double])
    /// Adds (∂F/∂x)ᵀ v to `result`: resultₖ += Σⱼ vⱼ ∂Fⱼ/∂xₖ.
    func addStateVJP(_ v: [Double], at x: [Double], parameters: [Double], to result: inout [Double])
    /// Adds `scale` · (∂F/∂θ)ᵀ v to `result`: resultᵢ += scale · Σⱼ vⱼ ∂Fⱼ/∂θᵢ.
    func addParameterVJP(_ v: [Double], at x: [Double], parameters: [Double], scale: Double, to result: inout [Double])
    /// The nodes whose rate parameter `index` can change (the edge's end points).
    func nodes(touchedBy index: Int) -> [Int]
    /// A readable name of parameter `index` ("k[2→5]", "bias[3]").
    func parameterName(_ index: Int) -> String
    /// Maps parameters onto the physically admissible set (positive rates, …); identity by default.
    func project(_ parameters: inout [Double])
}

extension DynamicalSystem {
    public func project(_ parameters: inout [Double]) {}

    /// The dense Jacobian ∂F/∂x (row j, column k = ∂Fⱼ/∂xₖ), built from ``addStateVJP(_:at:parameters:to:)``.
    public func stateJacobian(at x: [Double], parameters: [Double]) -> [[Double]] {
        (0..<stateCount).map { row in
            var unit = [Double](repeating: 0, count: stateCount)
            unit[row] = 1
            var result = [Double](repeating: 0, count: stateCount)
            addStateVJP(unit, at: x, parameters: parameters, to: &result)
            return result
        }
    }

    /// The dense ∂F/∂θ (row j, column i = ∂Fⱼ/∂θᵢ), built from ``addParameterVJP(_:at:parameters:scale:to:)``.
    public func parameterJacobian(at x: [Double], parameters: [Double]) -> [[Double]] {
        (0..<stateCount).map { row in
            var unit = [Double](repeating: 0, count: stateCount)
            unit[row] = 1
            var result = [Double](repeating: 0, count: parameterCount)
            addParameterVJP(unit, at: x, parameters: parameters, scale: 1, to: &result)
            return result
        }
    }
}

/// A network whose parameters include directed pairwise couplings (drawn as arrows in reports).
public protocol PairwiseCoupled {
    /// Every coupling target ← source with its parameter index (self-couplings included).
    var couplings: [Coupling] { get }
}

/// A directed coupling "source acts on target through parameter `parameter`". Reciprocal networks
/// list both directions of an edge with the same parameter.
public struct Coupling: Sendable, Equatable {
    public var target: Int
    public var source: Int
    public var parameter: Int

    public init(target: Int, source: Int, parameter: Int) {
        self.target = target
        self.source = source
        self.parameter = parameter
    }
}

/// Builders of coupling lists shared by the pairwise networks.
public enum CouplingGraph {
    /// Couplings for the given undirected `edges`: one parameter per edge shared by both
    /// directions if `reciprocal`, else one parameter per direction.
    public static func couplings(edges: [(Int, Int)], reciprocal: Bool) -> [Coupling] {
        var couplings: [Coupling] = []
        for (a, b) in edges {
            let forward = reciprocal ? couplings.count / 2 : couplings.count
            couplings.append(Coupling(target: a, source: b, parameter: forward))
            couplings.append(Coupling(target: b, source: a, parameter: reciprocal ? forward : forward + 1))
        }
        return couplings
    }

    /// Every unordered pair of `nodeCount` nodes.
    public static func complete(nodeCount: Int) -> [(Int, Int)] {
        (0..<nodeCount).flatMap { a in ((a + 1)..<nodeCount).map { (a, $0) } }
    }

    /// A sparse spatial network: `nodeCount` random points in the unit square, each joined to its
    /// `neighbours` nearest points (union of the k-nearest-neighbour relations), a stand-in for the
    /// contact network of a disordered packing.
    public static func nearestNeighbours(nodeCount: Int, neighbours: Int, generator: inout SplitMix64) -> [(Int, Int)] {
        let positions = (0..<nodeCount).map { _ in (x: generator.uniform(), y: generator.uniform()) }
        var edges = Set<[Int]>()
        for a in 0..<nodeCount {
            let nearest = (0..<nodeCount).filter { $0 != a }.sorted {
                distanceSquared(positions[a], positions[$0]) < distanceSquared(positions[a], positions[$1])
            }
            for b in nearest.prefix(neighbours) { edges.insert([min(a, b), max(a, b)]) }
        }
        return edges.sorted { ($0[0], $0[1]) < ($1[0], $1[1]) }.map { ($0[0], $0[1]) }
    }

    /// Breadth-first hop distances from `start` over undirected `edges`.
    public static func hopDistances(from start: Int, nodeCount: Int, edges: [(Int, Int)]) -> [Int] {
        var neighbours = [[Int]](repeating: [], count: nodeCount)
        for (a, b) in edges {
            neighbours[a].append(b)
            neighbours[b].append(a)
        }
        var distance = [Int](repeating: Int.max, count: nodeCount)
        distance[start] = 0
        var queue = [start], head = 0
        while head < queue.count {
            let node = queue[head]
            head += 1
            for next in neighbours[node] where distance[next] == Int.max {
                distance[next] = distance[node] + 1
                queue.append(next)
            }
        }
        return distance
    }

    private static func distanceSquared(_ p: (x: Double, y: Double), _ q: (x: Double, y: Double)) -> Double {
        (p.x - q.x) * (p.x - q.x) + (p.y - q.y) * (p.y - q.y)
    }
}
