import Foundation
import Synchronization

private let nextNodeID = Atomic<UInt64>(0)

/// A node handle with identity: two `Node("x")` are different nodes. Nodes are numbered in the
/// order they are first mentioned in a ``NetworkBuilder`` block (``Nodes`` fixes an order upfront).
public struct Node: Hashable, Sendable {
    public let id: UInt64
    public let label: String
    public init(_ label: String = "") {
        id = nextNodeID.wrappingAdd(1, ordering: .relaxed).oldValue
        self.label = label
    }
}

/// The state a ``NetworkBuilder`` block folds its components into.
public struct NetworkDraft: Sendable {
    var index: [Node: Int] = [:]
    var names: [String] = []
    var edges: [Edge] = []
    var inputs: [Int] = []
    var outputs: [Int] = []
    var states: [[Double]] = []
    var gateBounds: ClosedRange<Double> = 1.0...5.5
    var device = DeviceConstants.reference

    mutating func number(_ node: Node) -> Int {
        if let i = index[node] { return i }
        let i = names.count
        index[node] = i
        names.append(node.label.isEmpty ? "n\(i)" : node.label)
        return i
    }
}

/// Something that can appear in a ``NetworkBuilder`` block.
public protocol NetworkComponent: Sendable {
    func apply(to draft: inout NetworkDraft)
}

/// Folds DSL components into one ``Topology``.
@resultBuilder
public enum NetworkBuilder {
    public static func buildExpression(_ component: some NetworkComponent) -> [any NetworkComponent] { [component] }
    public static func buildExpression(_ components: [any NetworkComponent]) -> [any NetworkComponent] { components }
    public static func buildBlock(_ parts: [any NetworkComponent]...) -> [any NetworkComponent] { parts.flatMap { $0 } }
    public static func buildArray(_ parts: [[any NetworkComponent]]) -> [any NetworkComponent] { parts.flatMap { $0 } }
    public static func buildOptional(_ part: [any NetworkComponent]?) -> [any NetworkComponent] { part ?? [] }
    public static func buildEither(first part: [any NetworkComponent]) -> [any NetworkComponent] { part }
    public static func buildEither(second part: [any NetworkComponent]) -> [any NetworkComponent] { part }
}

extension Topology {
    /// Builds and validates a topology from DSL components:
    /// ```swift
    /// let (x, y, out) = (Node("x"), Node("y"), Node("out"))
    /// let net = try Topology(name: "two-to-one") {
    ///     Mosfet(x, out)
    ///     Mosfet(y, out)
    ///     Input(x, y)
    ///     Output(out)
    ///     State(1, 0)
    ///     State(0, 1)
    /// }
    /// ```
    public init(name: String, @NetworkBuilder _ content: () -> [any NetworkComponent]) throws {
        var draft = NetworkDraft()
        for component in content() { component.apply(to: &draft) }
        self.init(
            name: name, nodeCount: draft.names.count, edges: draft.edges, inputs: draft.inputs,
            outputs: draft.outputs, states: draft.states, gateBounds: draft.gateBounds,
            device: draft.device, nodeNames: draft.names)
        try validate()
    }
}

/// Declares nodes, fixing their numbering in this order.
public struct Nodes: NetworkComponent {
    let nodes: [Node]
    public init(_ nodes: [Node]) { self.nodes = nodes }
    public init(_ nodes: Node...) { self.nodes = nodes }
    public func apply(to draft: inout NetworkDraft) { for n in nodes { _ = draft.number(n) } }
}

/// An edge of any element kind between two nodes.
public struct Element: NetworkComponent {
    let a: Node, b: Node, kind: EdgeElement, location: SourceLocation
    public init(_ kind: EdgeElement, _ a: Node, _ b: Node, fileID: String = #fileID, line: Int = #line) {
        (self.a, self.b, self.kind) = (a, b, kind)
        location = SourceLocation(fileID: fileID, line: line)
    }
    public func apply(to draft: inout NetworkDraft) {
        let (i, j) = (draft.number(a), draft.number(b))
        draft.edges.append(Edge(i, j, element: kind, declaredAt: location))
    }
}

/// A MOSFET edge (spec §1); its gate voltage is the learnable parameter.
public func Mosfet(_ a: Node, _ b: Node, fileID: String = #fileID, line: Int = #line) -> Element {
    Element(.mosfet, a, b, fileID: fileID, line: line)
}

/// A MOSFET edge whose parameter is the log of its gate voltage.
public func ExpGateMosfet(_ a: Node, _ b: Node, fileID: String = #fileID, line: Int = #line) -> Element {
    Element(.expGateMosfet, a, b, fileID: fileID, line: line)
}

/// A diode in series with a resistor, conducting from `from` to `to` only.
public func DiodeResistor(from: Node, to: Node, fileID: String = #fileID, line: Int = #line) -> Element {
    Element(.diodeResistor, from, to, fileID: fileID, line: line)
}

/// A linear resistor edge (parameter: conductance in siemens).
public func Resistor(_ a: Node, _ b: Node, fileID: String = #fileID, line: Int = #line) -> Element {
    Element(.resistor, a, b, fileID: fileID, line: line)
}

/// An X9C303-like digital potentiometer edge.
public func DigitalPotentiometer(_ a: Node, _ b: Node, fileID: String = #fileID, line: Int = #line) -> Element {
    Element(.potentiometer, a, b, fileID: fileID, line: line)
}

/// Marks nodes as inputs (held at the state's voltages), in encoding order.
public struct Input: NetworkComponent {
    let nodes: [Node]
    public init(_ nodes: Node...) { self.nodes = nodes }
    public init(_ nodes: [Node]) { self.nodes = nodes }
    public func apply(to draft: inout NetworkDraft) { for n in nodes { draft.inputs.append(draft.number(n)) } }
}

/// Marks nodes as outputs (one per action), in action order.
public struct Output: NetworkComponent {
    let nodes: [Node]
    public init(_ nodes: Node...) { self.nodes = nodes }
    public init(_ nodes: [Node]) { self.nodes = nodes }
    public func apply(to draft: inout NetworkDraft) { for n in nodes { draft.outputs.append(draft.number(n)) } }
}

/// One state encoding: the input voltages, in input order.
public struct State: NetworkComponent {
    let voltages: [Double]
    public init(_ voltages: Double...) { self.voltages = voltages }
    public init(_ voltages: [Double]) { self.voltages = voltages }
    public func apply(to draft: inout NetworkDraft) { draft.states.append(voltages) }
}

/// The gate-voltage bounds [GMN, GMX].
public struct GateBounds: NetworkComponent {
    let bounds: ClosedRange<Double>
    public init(_ bounds: ClosedRange<Double>) { self.bounds = bounds }
    public func apply(to draft: inout NetworkDraft) { draft.gateBounds = bounds }
}

/// Device constants of the idealized model (threshold, floor, k).
public struct Device: NetworkComponent {
    let constants: DeviceConstants
    public init(_ constants: DeviceConstants) { self.constants = constants }
    public func apply(to draft: inout NetworkDraft) { draft.device = constants }
}
