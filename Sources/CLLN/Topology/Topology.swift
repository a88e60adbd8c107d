import Foundation

/// Where a DSL element was declared, so that validation errors point at the user's line.
public struct SourceLocation: Sendable, Hashable, CustomStringConvertible {
    public var fileID: String
    public var line: Int
    public init(fileID: String, line: Int) {
        self.fileID = fileID
        self.line = line
    }
    public var description: String { "\(fileID):\(line)" }
}

/// One undirected edge. For a diode-resistor the orientation matters: it conducts from `a` to `b`.
public struct Edge: Sendable, Hashable {
    public var a: Int
    public var b: Int
    public var element: EdgeElement
    /// Where the edge was declared (DSL only); not part of equality.
    public var declaredAt: SourceLocation?

    public init(_ a: Int, _ b: Int, element: EdgeElement = .mosfet, declaredAt: SourceLocation? = nil) {
        self.a = a
        self.b = b
        self.element = element
        self.declaredAt = declaredAt
    }

    public static func == (lhs: Edge, rhs: Edge) -> Bool {
        lhs.a == rhs.a && lhs.b == rhs.b && lhs.element == rhs.element
    }
    public func hash(into hasher: inout Hasher) {
        hasher.combine(a)
        hasher.combine(b)
        hasher.combine(element)
    }
}

/// Device constants of the idealized edge model (spec §1).
public struct DeviceConstants: Sendable, Hashable, Codable {
    /// Threshold voltage V_T (V).
    public var thresholdVoltage: Double
    /// Conductance floor g_floor, in units of `k` (V): keeps cut-off edges from isolating nodes.
    public var conductanceFloor: Double
    /// Transconductance scale k = KP·W/L (A/V²). Node voltages of an all-MOSFET network do not
    /// depend on it; it matters when MOSFETs are mixed with resistive elements.
    public var k: Double

    public init(thresholdVoltage: Double = 0.7, conductanceFloor: Double = 1e-5, k: Double = 1e-3) {
        self.thresholdVoltage = thresholdVoltage
        self.conductanceFloor = conductanceFloor
        self.k = k
    }

    /// The constants of the reference code.
    public static let reference = DeviceConstants()

    enum CodingKeys: String, CodingKey, CaseIterable {
        case thresholdVoltage = "threshold", conductanceFloor = "floor", k
    }
    public init(from decoder: Decoder) throws {
        try rejectUnknownKeys(in: decoder, known: CodingKeys.allCases.map(\.rawValue), what: "\"device\"")
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.init(
            thresholdVoltage: try c.decodeIfPresent(Double.self, forKey: .thresholdVoltage) ?? 0.7,
            conductanceFloor: try c.decodeIfPresent(Double.self, forKey: .conductanceFloor) ?? 1e-5,
            k: try c.decodeIfPresent(Double.self, forKey: .k) ?? 1e-3)
    }
}

/// A contrastive local learning network: nodes, edges with their elements, which nodes are driven
/// (inputs) and read (outputs), and the input voltages that encode each environment state.
///
/// A value type: every generator, the DSL and the file loaders produce one, and everything
/// downstream (netlist compiler, solvers, learning) reads it. Call ``validate()`` (the loaders
/// and ``Topology/init(name:_:)`` do) before using it.
public struct Topology: Sendable, Hashable {
    public var name: String
    /// Node labels, one per node; node `i` is `nodeNames[i]`.
    public var nodeNames: [String]
    public var edges: [Edge]
    /// Nodes held at the state's voltages in both phases, in encoding order.
    public var inputs: [Int]
    /// Nodes read as outputs (one per action) and clamped in the clamped phase.
    public var outputs: [Int]
    /// Input voltages per state, each of width `inputs.count`.
    public var states: [[Double]]
    /// Bounds of every gate voltage, [GMN, GMX] (V).
    public var gateBounds: ClosedRange<Double>
    public var device: DeviceConstants

    public init(
        name: String, nodeCount: Int, edges: [Edge], inputs: [Int], outputs: [Int] = [],
        states: [[Double]] = [], gateBounds: ClosedRange<Double> = 1.0...5.5,
        device: DeviceConstants = .reference, nodeNames: [String]? = nil
    ) {
        self.name = name
        self.nodeNames = nodeNames ?? (0..<max(nodeCount, 0)).map { "n\($0)" }
        self.edges = edges
        self.inputs = inputs
        self.outputs = outputs
        self.states = states
        self.gateBounds = gateBounds
        self.device = device
    }

    public var nodeCount: Int { nodeNames.count }
    public var edgeCount: Int { edges.count }

    /// Whether every edge is a plain MOSFET (the reference's networks).
    public var isAllMosfet: Bool { edges.allSatisfy { $0.element == .mosfet } }

    /// The allowed range of edge `e`'s learnable parameter.
    public func parameterBounds(edge e: Int) -> ClosedRange<Double> {
        switch edges[e].element {
        case .mosfet: gateBounds
        case .expGateMosfet: log(gateBounds.lowerBound)...log(gateBounds.upperBound)
        case .diodeResistor, .resistor: 0...Double.greatestFiniteMagnitude
        case .potentiometer: 0...Double(Potentiometer.steps - 1)
        }
    }

    /// A parameter vector with every transistor at gate voltage `gate` (clipped to the bounds),
    /// resistive elements at 1/(1 kΩ) and potentiometers at mid-scale.
    public func uniformParameters(gate: Double) -> [Double] {
        edges.map { edge in
            switch edge.element {
            case .mosfet: gate
            case .expGateMosfet: log(gate)
            case .diodeResistor, .resistor: 1e-3
            case .potentiometer: Double(Potentiometer.steps / 2)
            }
        }
    }

    /// The gate voltage an edge's parameter stands for (`nil` for non-transistor elements).
    public func gateVoltage(edge e: Int, parameter p: Double) -> Double? {
        switch edges[e].element {
        case .mosfet: p
        case .expGateMosfet: exp(p)
        case .diodeResistor, .resistor, .potentiometer: nil
        }
    }

    /// Held nodes and values of the free phase for state `s`.
    public func freeHeld(state s: Int) throws -> HeldNodes {
        guard states.indices.contains(s) else {
            throw TopologyError.unknownState(s, count: states.count)
        }
        return HeldNodes(nodes: inputs, values: states[s])
    }

    /// Held nodes and values of the clamped phase: the state's inputs plus every output at
    /// `outputValues` (in output order).
    public func clampedHeld(state s: Int, outputValues: [Double]) throws -> HeldNodes {
        var held = try freeHeld(state: s)
        guard outputValues.count == outputs.count else {
            throw TopologyError.wrongLabelCount(outputValues.count, expected: outputs.count)
        }
        held.nodes += outputs
        held.values += outputValues
        return held
    }
}

/// Nodes held at fixed voltages (the boundary conditions of one solve).
public struct HeldNodes: Sendable, Hashable {
    public var nodes: [Int]
    public var values: [Double]
    public init(nodes: [Int], values: [Double]) {
        self.nodes = nodes
        self.values = values
    }
    /// The range the maximum principle confines every node voltage to.
    public var range: ClosedRange<Double> {
        (values.min() ?? 0)...(values.max() ?? 0)
    }
}
