import Foundation

/// Everything that can be wrong with a topology, a parameter vector or a set of held nodes.
/// Each message says what is wrong and how to fix it.
public enum TopologyError: Error, Equatable, CustomStringConvertible {
    case noNodes
    case unknownNode(Int, role: String, nodeCount: Int, at: SourceLocation?)
    case unknownNodeName(String, role: String)
    case selfLoop(edge: Int, node: Int, at: SourceLocation?)
    case duplicateEdge(first: Int, second: Int, a: Int, b: Int, at: SourceLocation?)
    case floatingComponent(nodes: [Int])
    case inputAndOutput(node: Int)
    case repeatedNode(Int, role: String)
    case noInputs
    case stateWidth(state: Int, width: Int, expected: Int)
    case unknownState(Int, count: Int)
    case wrongLabelCount(Int, expected: Int)
    case nonFinite(what: String)
    case parameterCount(Int, expected: Int)
    case parameterOutOfBounds(edge: Int, value: Double, bounds: ClosedRange<Double>)
    case invalidBounds(ClosedRange<Double>)
    case invalidDevice(String)

    public var description: String {
        func place(_ at: SourceLocation?) -> String { at.map { " (declared at \($0))" } ?? "" }
        switch self {
        case .noNodes:
            return "the topology has no nodes; declare at least two nodes and an edge"
        case let .unknownNode(n, role, count, at):
            return "\(role) refers to node \(n), but the topology has nodes 0..<\(count)\(place(at)); "
                + "use an existing node or raise the node count"
        case let .unknownNodeName(name, role):
            return "\(role) refers to node \"\(name)\", which is not declared; declare it in \"nodes\""
        case let .selfLoop(e, n, at):
            return "edge \(e) connects node \(n) to itself\(place(at)); an edge needs two different nodes"
        case let .duplicateEdge(first, second, a, b, at):
            return "edges \(first) and \(second) both connect nodes \(a) and \(b)\(place(at)); "
                + "remove one (parallel edges are not supported: merge them into one element)"
        case let .floatingComponent(nodes):
            let shown = nodes.prefix(8).map(String.init).joined(separator: ", ")
            return "nodes [\(shown)\(nodes.count > 8 ? ", …" : "")] form a component with no held node, "
                + "so their voltages are undefined; connect it to the rest or make one of them an input"
        case let .inputAndOutput(n):
            return "node \(n) is both an input and an output; a node is driven or read, not both"
        case let .repeatedNode(n, role):
            return "node \(n) appears twice among the \(role); list each node once"
        case .noInputs:
            return "the topology has no input nodes; declare at least one input (a held node)"
        case let .stateWidth(s, width, expected):
            return "state \(s) encodes \(width) input voltages, but there are \(expected) inputs; "
                + "give one voltage per input node, in input order"
        case let .unknownState(s, count):
            return count == 0
                ? "state \(s) requested, but the topology declares no state encodings; add \"states\" or hold nodes explicitly"
                : "state \(s) requested, but the topology has states 0..<\(count); use one of them"
        case let .wrongLabelCount(n, expected):
            return "\(n) output values given, but the topology has \(expected) outputs; give one per output node"
        case let .nonFinite(what):
            return "\(what) is not a finite number; replace NaN/infinite values with finite numbers"
        case let .parameterCount(n, expected):
            return "\(n) edge parameters given, but the topology has \(expected) edges; give one per edge in edge order"
        case let .parameterOutOfBounds(e, value, bounds):
            return "edge \(e)'s parameter \(value) lies outside [\(bounds.lowerBound), \(bounds.upperBound)]; "
                + "clip it or widen the topology's gate bounds"
        case let .invalidBounds(bounds):
            return "gate bounds [\(bounds.lowerBound), \(bounds.upperBound)] are invalid; use finite bounds with min < max"
        case let .invalidDevice(why):
            return "device constants (\"device\") are invalid: \(why)"
        }
    }
}

extension Topology {
    /// Checks the topology before anything runs. Throws the first problem found. A topology
    /// without inputs is valid (a solve can hold any nodes, e.g. `clln solve --hold`); learning
    /// needs inputs (``requireInputs()``).
    public func validate() throws {
        guard nodeCount > 0 else { throw TopologyError.noNodes }
        guard gateBounds.lowerBound.isFinite, gateBounds.upperBound.isFinite,
            gateBounds.lowerBound < gateBounds.upperBound
        else { throw TopologyError.invalidBounds(gateBounds) }
        guard device.k > 0, device.k.isFinite else {
            throw TopologyError.invalidDevice("k must be a positive finite number (got \(device.k)), e.g. \"k\": 1e-3")
        }
        guard device.conductanceFloor > 0, device.conductanceFloor.isFinite else {
            throw TopologyError.invalidDevice(
                "the conductance floor must be a positive finite number (got \(device.conductanceFloor)), e.g. \"floor\": 1e-5")
        }
        guard device.thresholdVoltage.isFinite else {
            throw TopologyError.invalidDevice("the threshold V_T must be finite (got \(device.thresholdVoltage)), e.g. \"threshold\": 0.7")
        }
        var seen: [UInt64: Int] = [:]
        for (e, edge) in edges.enumerated() {
            for n in [edge.a, edge.b] where !(0..<nodeCount).contains(n) {
                throw TopologyError.unknownNode(n, role: "edge \(e)", nodeCount: nodeCount, at: edge.declaredAt)
            }
            if edge.a == edge.b { throw TopologyError.selfLoop(edge: e, node: edge.a, at: edge.declaredAt) }
            let key = UInt64(min(edge.a, edge.b)) << 32 | UInt64(max(edge.a, edge.b))
            if let first = seen[key] {
                throw TopologyError.duplicateEdge(
                    first: first, second: e, a: edge.a, b: edge.b, at: edge.declaredAt)
            }
            seen[key] = e
        }
        try checkNodeList(inputs, role: "inputs")
        try checkNodeList(outputs, role: "outputs")
        if let both = Set(inputs).intersection(outputs).min() { throw TopologyError.inputAndOutput(node: both) }
        for (s, encoding) in states.enumerated() {
            guard encoding.count == inputs.count else {
                throw TopologyError.stateWidth(state: s, width: encoding.count, expected: inputs.count)
            }
            guard encoding.allSatisfy(\.isFinite) else { throw TopologyError.nonFinite(what: "\"states\"[\(s)] (state \(s)'s input voltages)") }
        }
        if !inputs.isEmpty { try checkHeldCoverage(inputs) }
    }

    private func checkNodeList(_ list: [Int], role: String) throws {
        var seen = Set<Int>()
        for n in list {
            guard (0..<nodeCount).contains(n) else {
                throw TopologyError.unknownNode(n, role: role, nodeCount: nodeCount, at: nil)
            }
            guard seen.insert(n).inserted else { throw TopologyError.repeatedNode(n, role: role) }
        }
    }

    /// Throws ``TopologyError/noInputs`` when no node is an input (learning holds the inputs at
    /// each state's encoding).
    public func requireInputs() throws {
        guard !inputs.isEmpty else { throw TopologyError.noInputs }
    }

    /// Throws ``TopologyError/floatingComponent(nodes:)`` if some connected component holds
    /// none of `held`, or an error for unknown/repeated held nodes.
    public func checkHeldCoverage(_ held: [Int]) throws {
        try checkNodeList(held, role: "held nodes")
        let component = connectedComponents()
        var covered = Set<Int>()
        for n in held { covered.insert(component[n]) }
        for n in 0..<nodeCount where !covered.contains(component[n]) {
            let members = (0..<nodeCount).filter { component[$0] == component[n] }
            throw TopologyError.floatingComponent(nodes: members)
        }
    }

    /// Component label of every node (labels are the smallest node index of the component).
    public func connectedComponents() -> [Int] {
        var parent = Array(0..<nodeCount)
        func root(_ x: Int) -> Int {
            var x = x
            while parent[x] != x {
                parent[x] = parent[parent[x]]
                x = parent[x]
            }
            return x
        }
        for edge in edges where (0..<nodeCount).contains(edge.a) && (0..<nodeCount).contains(edge.b) {
            let (ra, rb) = (root(edge.a), root(edge.b))
            if ra != rb { parent[max(ra, rb)] = min(ra, rb) }
        }
        return (0..<nodeCount).map(root)
    }

    /// Checks a parameter vector (gate voltages for MOSFET edges) against the topology.
    public func validateParameters(_ parameters: [Double]) throws {
        guard parameters.count == edges.count else {
            throw TopologyError.parameterCount(parameters.count, expected: edges.count)
        }
        for (e, p) in parameters.enumerated() {
            guard p.isFinite else { throw TopologyError.nonFinite(what: "edge \(e)'s parameter") }
            let bounds = parameterBounds(edge: e)
            guard bounds.contains(p) else {
                throw TopologyError.parameterOutOfBounds(edge: e, value: p, bounds: bounds)
            }
        }
    }

    /// Checks held nodes: known, unique, finite, and every component holds one.
    public func validateHeld(_ held: HeldNodes) throws {
        guard held.nodes.count == held.values.count else {
            throw TopologyError.wrongLabelCount(held.values.count, expected: held.nodes.count)
        }
        for (n, v) in zip(held.nodes, held.values) where !v.isFinite {
            throw TopologyError.nonFinite(what: "the voltage held at node \(n)")
        }
        try checkHeldCoverage(held.nodes)
    }
}
