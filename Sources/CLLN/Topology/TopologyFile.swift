import Foundation
import Yams

/// The file form of a topology (JSON or YAML). The minimal form is
/// `{"nodes": 16, "edges": [[0,4],[0,1]], "inputs": [0,2,8,10], "outputs": [5,7,13,15]}`
/// (all edges MOSFETs). Optional keys: `"name"`; `"nodes"` as a list of names (then edges and
/// node lists may use names); edges as objects `{"a": 0, "b": 4, "element": "diode-resistor"}`;
/// `"states"` (input voltages per state); `"gate_bounds": [1, 5.5]`;
/// `"device": {"threshold": 0.7, "floor": 1e-5, "k": 1e-3}`.
public struct TopologyFile: Codable, Sendable {
    public enum NodeRef: Codable, Sendable, Hashable {
        case index(Int)
        case name(String)
        public init(from decoder: Decoder) throws {
            let c = try decoder.singleValueContainer()
            if let i = try? c.decode(Int.self) {
                self = .index(i)
            } else if let s = try? c.decode(String.self) {
                self = .name(s)
            } else {
                throw DecodingError.dataCorruptedError(
                    in: c, debugDescription: "a node is a whole-number index (0, 1, …) or a name declared in \"nodes\"")
            }
        }
        public func encode(to encoder: Encoder) throws {
            var c = encoder.singleValueContainer()
            switch self {
            case let .index(i): try c.encode(i)
            case let .name(s): try c.encode(s)
            }
        }
    }

    public enum NodeDeclaration: Codable, Sendable {
        case count(Int)
        case names([String])
        public init(from decoder: Decoder) throws {
            let c = try decoder.singleValueContainer()
            if let n = try? c.decode(Int.self) {
                self = .count(n)
            } else if let names = try? c.decode([String].self) {
                self = .names(names)
            } else {
                throw DecodingError.dataCorruptedError(
                    in: c, debugDescription: "\"nodes\" must be a node count (a whole number, e.g. 16) or a list of node names")
            }
        }
        public func encode(to encoder: Encoder) throws {
            var c = encoder.singleValueContainer()
            switch self {
            case let .count(n): try c.encode(n)
            case let .names(names): try c.encode(names)
            }
        }
    }

    public struct EdgeEntry: Codable, Sendable {
        public var a: NodeRef
        public var b: NodeRef
        public var element: String?
        enum CodingKeys: String, CodingKey { case a, b, element }
        public init(a: NodeRef, b: NodeRef, element: String?) {
            (self.a, self.b, self.element) = (a, b, element)
        }
        public init(from decoder: Decoder) throws {
            if var pair = try? decoder.unkeyedContainer() {
                guard let count = pair.count, (2...3).contains(count) else {
                    throw DecodingError.dataCorruptedError(
                        in: pair, debugDescription: "an edge must be [a, b] or [a, b, \"element\"] (got \(pair.count.map(String.init) ?? "?") entries)")
                }
                a = try pair.decode(NodeRef.self)
                b = try pair.decode(NodeRef.self)
                element = pair.isAtEnd ? nil : try pair.decode(String.self)
            } else {
                guard (try? decoder.container(keyedBy: AnyCodingKey.self)) != nil else {
                    throw DecodingError.dataCorrupted(.init(
                        codingPath: decoder.codingPath,
                        debugDescription: "an edge must be [a, b], [a, b, \"element\"] or {\"a\": …, \"b\": …, \"element\": …}"))
                }
                try rejectUnknownKeys(in: decoder, known: ["a", "b", "element"], what: "an edge")
                let c = try decoder.container(keyedBy: CodingKeys.self)
                a = try c.decode(NodeRef.self, forKey: .a)
                b = try c.decode(NodeRef.self, forKey: .b)
                element = try c.decodeIfPresent(String.self, forKey: .element)
            }
        }
        public func encode(to encoder: Encoder) throws {
            var c = encoder.unkeyedContainer()
            try c.encode(a)
            try c.encode(b)
            if let element, element != "mosfet" { try c.encode(element) }
        }
    }

    public var name: String?
    public var nodes: NodeDeclaration
    public var edges: [EdgeEntry]
    public var inputs: [NodeRef]?
    public var outputs: [NodeRef]?
    public var states: [[Double]]?
    public var gateBounds: [Double]?
    public var device: DeviceConstants?

    enum CodingKeys: String, CodingKey, CaseIterable {
        case name, nodes, edges, inputs, outputs, states, gateBounds = "gate_bounds", device
    }

    public init(from decoder: Decoder) throws {
        try rejectUnknownKeys(in: decoder, known: CodingKeys.allCases.map(\.rawValue), what: "a topology file")
        let c = try decoder.container(keyedBy: CodingKeys.self)
        name = try c.decodeIfPresent(String.self, forKey: .name)
        nodes = try c.decode(NodeDeclaration.self, forKey: .nodes)
        edges = try c.decode([EdgeEntry].self, forKey: .edges)
        inputs = try c.decodeIfPresent([NodeRef].self, forKey: .inputs)
        outputs = try c.decodeIfPresent([NodeRef].self, forKey: .outputs)
        states = try c.decodeIfPresent([[Double]].self, forKey: .states)
        gateBounds = try c.decodeIfPresent([Double].self, forKey: .gateBounds)
        device = try c.decodeIfPresent(DeviceConstants.self, forKey: .device)
    }

    /// The file form of a topology (names when the nodes have custom labels).
    public init(_ t: Topology) {
        name = t.name
        nodes = .count(t.nodeCount)
        edges = t.edges.map { EdgeEntry(a: .index($0.a), b: .index($0.b), element: $0.element.name) }
        inputs = t.inputs.map(NodeRef.index)
        outputs = t.outputs.map(NodeRef.index)
        states = t.states
        gateBounds = [t.gateBounds.lowerBound, t.gateBounds.upperBound]
        device = t.device
    }

    /// Converts to a validated topology. `fallbackName` names it when the file does not.
    public func topology(fallbackName: String) throws -> Topology {
        let names: [String]
        switch nodes {
        case let .count(n):
            guard (1...InputLimits.maximumNodes).contains(n) else { throw TopologyFileError.badNodeCount(n) }
            names = (0..<n).map { "n\($0)" }
        case let .names(list):
            guard (1...InputLimits.maximumNodes).contains(list.count) else { throw TopologyFileError.badNodeCount(list.count) }
            names = list
        }
        var lookup: [String: Int] = [:]
        for (i, n) in names.enumerated() {
            guard !n.isEmpty else { throw TopologyFileError.badNodeName(n, node: i) }
            if lookup[n] != nil { throw TopologyFileError.badNodeName(n, node: i) }
            lookup[n] = i
        }
        func resolve(_ ref: NodeRef, role: String) throws -> Int {
            switch ref {
            case let .index(i): return i
            case let .name(s):
                if let i = lookup[s] { return i }
                throw TopologyError.unknownNodeName(s, role: role)
            }
        }
        var edgeList: [Edge] = []
        for (e, entry) in edges.enumerated() {
            let kindName = entry.element ?? "mosfet"
            guard let kind = EdgeElement(name: kindName) else { throw TopologyFileError.unknownElement(kindName, edge: e) }
            edgeList.append(Edge(try resolve(entry.a, role: "edge \(e)"), try resolve(entry.b, role: "edge \(e)"), element: kind))
        }
        var bounds = 1.0...5.5
        if let g = gateBounds {
            guard g.count == 2, g[0].isFinite, g[1].isFinite, g[0] < g[1] else { throw TopologyFileError.badGateBounds(g) }
            bounds = g[0]...g[1]
        }
        let t = Topology(
            name: name ?? fallbackName, nodeCount: names.count, edges: edgeList,
            inputs: try (inputs ?? []).map { try resolve($0, role: "inputs") },
            outputs: try (outputs ?? []).map { try resolve($0, role: "outputs") },
            states: states ?? [], gateBounds: bounds, device: device ?? .reference, nodeNames: names)
        try t.validate()
        return t
    }
}

/// Problems reading a topology file.
public enum TopologyFileError: Error, CustomStringConvertible {
    case unreadable(path: String, reason: String)
    case malformed(path: String, reason: String)
    case unknownElement(String, edge: Int)
    case badGateBounds([Double])
    case unknownPreset(String)
    case badNodeCount(Int)
    case badNodeName(String, node: Int)

    public var description: String {
        switch self {
        case let .unreadable(path, reason): "cannot read \(path): \(reason); check the path and that the file is readable"
        case let .malformed(path, reason): "\(path) is not a valid topology file: \(reason)"
        case let .badNodeCount(n):
            "\"nodes\" declares \(n) nodes; give a count between 1 and \(InputLimits.maximumNodes) (e.g. \"nodes\": 16) or a list of names"
        case let .badNodeName(name, node):
            name.isEmpty
                ? "node \(node) has an empty name in \"nodes\"; give every node a non-empty name"
                : "node name \"\(name)\" is declared twice in \"nodes\" (again as node \(node)); give every node a distinct name"
        case let .unknownElement(name, e):
            "edge \(e) has unknown element \"\(name)\"; use mosfet, exp-gate-mosfet, diode-resistor, resistor or potentiometer"
        case let .badGateBounds(g): "gate_bounds \(g) must be two finite numbers [min, max] with min < max"
        case let .unknownPreset(name):
            "\"\(name)\" is neither a preset (\(TopologyPresets.names.joined(separator: ", "))) nor an existing file; "
                + "give a preset name or the path of a topology file"
        }
    }
}

extension Topology {
    /// A preset name or the path of a JSON/YAML topology file.
    public static func load(_ presetOrPath: String) throws -> Topology {
        if let preset = TopologyPresets.named(presetOrPath) { return preset }
        guard FileManager.default.fileExists(atPath: presetOrPath) else {
            throw TopologyFileError.unknownPreset(presetOrPath)
        }
        return try load(contentsOf: URL(fileURLWithPath: presetOrPath))
    }

    /// Loads a JSON (`.json`) or YAML (anything else) topology file and validates it.
    public static func load(contentsOf url: URL) throws -> Topology {
        let data: Data
        do { data = try Data(contentsOf: url) } catch {
            throw TopologyFileError.unreadable(path: url.path, reason: error.localizedDescription)
        }
        let file: TopologyFile = try decodeFile(data, path: url.path)
        return try file.topology(fallbackName: url.deletingPathExtension().lastPathComponent)
    }

    /// The topology as JSON in the file form.
    public func jsonData() throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        return try encoder.encode(TopologyFile(self))
    }
}

/// Decodes JSON (when the path ends in .json or the text starts with `{`/`[`) or YAML. A file
/// that cannot be decoded is `malformed(reason)` (default: a ``TopologyFileError/malformed(path:reason:)``).
func decodeFile<T: Decodable>(_ data: Data, path: String, malformed: ((String) -> any Error)? = nil) throws -> T {
    func fail(_ reason: String) -> any Error { malformed?(reason) ?? TopologyFileError.malformed(path: path, reason: reason) }
    let text = String(decoding: data, as: UTF8.self)
    let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
    guard !trimmed.isEmpty else { throw fail("the file is empty; it must hold an object of keys (see the documentation)") }
    do {
        if path.hasSuffix(".json") || trimmed.hasPrefix("{") || trimmed.hasPrefix("[") {
            return try JSONDecoder().decode(T.self, from: data)
        }
        return try YAMLDecoder().decode(T.self, from: text)
    } catch let error as DecodingError {
        throw fail(describe(error))
    } catch {
        throw fail("\(error); check the JSON/YAML syntax")
    }
}

/// A one-line explanation of a decoding error, with the key path and what the key takes.
func describe(_ error: DecodingError) -> String {
    func where_(_ context: DecodingError.Context) -> String {
        context.codingPath.map { $0.intValue.map { "[\($0)]" } ?? $0.stringValue }.joined(separator: ".")
            .replacingOccurrences(of: ".[", with: "[")
    }
    func at(_ context: DecodingError.Context) -> String {
        let path = where_(context)
        return path.isEmpty ? context.debugDescription : "at \(path): \(context.debugDescription)"
    }
    func wanted(_ type: Any.Type) -> String {
        switch type {
        case is UInt64.Type, is UInt64?.Type: "a whole number ≥ 0, e.g. 0"
        case is Int.Type, is Int?.Type: "a whole number"
        case is Double.Type, is Double?.Type: "a number"
        case is String.Type: "a string"
        case is Bool.Type: "true or false"
        case is [Double].Type, is [Int].Type, is [[Double]].Type, is [[Int]].Type, is [String].Type: "a list"
        default:
            // Swift's arrays and dictionaries, and the YAML reader's names for them (Node.Sequence, Node.Mapping).
            ["Array", "Sequence"].contains { "\(type)".hasPrefix($0) || "\(type)".hasSuffix($0) } ? "a list, e.g. [1, 2]"
                : ["Dictionary", "Mapping"].contains { "\(type)".hasPrefix($0) || "\(type)".hasSuffix($0) } ? "an object with keys" : "a \(type)"
        }
    }
    switch error {
    case let .keyNotFound(key, context):
        let inside = where_(context)
        return "missing key \"\(key.stringValue)\"" + (inside.isEmpty ? "" : " in \(inside)") + "; add it"
    case let .typeMismatch(type, context):
        let path = where_(context)
        // The decoder's own "Expected to decode UInt64 but found Scalar instead." names its types, not the input's.
        let detail = context.debugDescription.hasPrefix("Expected to decode") ? "" : " (\(context.debugDescription))"
        return (path.isEmpty ? "the file" : "\"\(path)\"") + " must be \(wanted(type))" + detail
    case let .valueNotFound(type, context):
        let path = where_(context)
        return (path.isEmpty ? "the file" : "\"\(path)\"") + " is empty or null; give \(wanted(type))"
    case let .dataCorrupted(context): return at(context)
    @unknown default: return "\(error)"
    }
}
