import CLLNTemplates
import Foundation

/// Where a MOSFET's bulk terminal is tied.
public enum BulkTie: String, Sendable, Codable, CaseIterable {
    /// Bulk at ground (the reference's circuit).
    case ground
    /// Bulk tied to the edge's `b` terminal (no body effect from that side).
    case source
    /// Bulk tied to the edge's `a` terminal, written as the drain: in a layered network the
    /// lower layer's node (a pixel input in the digits tasks), as the published scikit-digits
    /// trainer wires its devices. The bulk–source junction forward-biases when `a` rises above `b`.
    case drain
}

/// A SPICE model card from `templates/models` or a file, with its metadata (`*@ key=value`).
public struct ModelCard: Sendable, Hashable {
    /// Card name (file name without `.lib`).
    public var name: String
    /// Where the card came from (a template name or a path), written into netlist headers.
    public var origin: String
    /// The card text with its `{{placeholders}}`.
    public var text: String
    /// Channel width and length written on every MOSFET line (SPICE numbers, e.g. `10u`).
    public var width: String
    public var length: String
    public var bulk: BulkTie
    /// Further MOSFET instance parameters written after `w` and `l` on every MOSFET line, from
    /// the metadata keys ``instanceParameterKeys`` in that order (e.g. `nrd=0.3 nrs=1`: drain and
    /// source resistance RSH·NRD and RSH·NRS, each an internal node per transistor); empty when
    /// the card has none.
    public var instanceParameters: String

    /// Metadata keys copied onto MOSFET lines: areas and perimeters of drain and source, and their
    /// numbers of squares (with the model's `rsh`, the series resistances).
    public static let instanceParameterKeys = ["ad", "as", "pd", "ps", "nrd", "nrs"]

    /// The default card: level 1, VTO = V_T, KP·W/L = k, GAMMA = LAMBDA = 0, IS = 0.
    public static let defaultName = "nmos-ideal"

    /// Parses a card's text.
    public init(name: String, origin: String, text: String) throws {
        self.name = name
        self.origin = origin
        self.text = text
        var meta: [String: String] = [:]
        for line in text.split(separator: "\n") where line.hasPrefix("*@") {
            for pair in line.dropFirst(2).split(separator: " ") {
                let kv = pair.split(separator: "=", maxSplits: 1)
                if kv.count == 2 { meta[String(kv[0]).lowercased()] = String(kv[1]) }
            }
        }
        width = meta["w"] ?? "10u"
        length = meta["l"] ?? "10u"
        guard let w = SpiceNumber.parse(width), let l = SpiceNumber.parse(length), w > 0, l > 0 else {
            throw NetlistError.badModelCard(name: name, reason: "w and l must be positive SPICE numbers")
        }
        if let tie = meta["bulk"] {
            guard let parsed = BulkTie(rawValue: tie) else {
                throw NetlistError.badModelCard(name: name, reason: "bulk must be ground, source or drain (got \(tie))")
            }
            bulk = parsed
        } else {
            bulk = .ground
        }
        guard text.contains(".model") else {
            throw NetlistError.badModelCard(name: name, reason: "no .model line")
        }
        instanceParameters = try Self.instanceParameterKeys.compactMap { key -> String? in
            guard let value = meta[key] else { return nil }
            guard let number = SpiceNumber.parse(value), number >= 0 else {
                throw NetlistError.badModelCard(name: name, reason: "\(key) must be a non-negative SPICE number (got \(value))")
            }
            return "\(key)=\(value)"
        }.joined(separator: " ")
    }

    /// The threshold voltage the per-edge threshold form shifts by −U_G: `topologyThreshold` for a
    /// card whose `vto` is the `{{vto}}` placeholder, the card's own `vto` when its `.model` line
    /// fixes one, `nil` when it has neither (the form is then unavailable).
    public func baseThreshold(topologyThreshold: Double) -> Double? {
        if text.contains("{{vto}}") { return topologyThreshold }
        return modelLines.lazy.compactMap { Self.parameter("vto", in: $0) }.first
    }

    /// Whether a `.model` line gives a nonzero series resistance (`rsh`, `rd` or `rs`): each such
    /// transistor has internal drain/source nodes, and its Newton iteration behaves differently.
    public var hasSeriesResistance: Bool {
        modelLines.contains { line in ["rsh", "rd", "rs"].contains { (Self.parameter($0, in: line) ?? 0) != 0 } }
    }

    /// The card's `.model` lines (after the `*` comment and metadata lines).
    private var modelLines: [String] {
        text.split(separator: "\n").map(String.init).filter { $0.lowercased().hasPrefix(".model") }
    }

    /// The numeric value of `key=value` on a line (nil when absent or not a number).
    private static func parameter(_ key: String, in line: String) -> Double? {
        line.split(separator: " ").lazy.compactMap { token -> Double? in
            let parts = token.split(separator: "=", maxSplits: 1)
            guard parts.count == 2, parts[0].lowercased() == key else { return nil }
            return SpiceNumber.parse(String(parts[1]))
        }.first
    }

    /// A `.model` line with its `vto` set to `vto` (other lines unchanged): the per-edge threshold
    /// form of a card that fixes its `vto`.
    public static func settingThreshold(_ line: String, to vto: Double) -> String {
        guard line.lowercased().hasPrefix(".model") else { return line }
        return line.split(separator: " ", omittingEmptySubsequences: false).map { token -> String in
            let parts = token.split(separator: "=", maxSplits: 1)
            return parts.count == 2 && parts[0].lowercased() == "vto" ? "vto=" + SpiceNumber.format(vto) : String(token)
        }.joined(separator: " ")
    }

    /// The shipped card `name`, or a card file at path `name`.
    public static func named(_ nameOrPath: String) throws -> ModelCard {
        if let text = Templates.modelCard(named: nameOrPath) {
            return try ModelCard(name: nameOrPath, origin: "templates/models/\(nameOrPath).lib", text: text)
        }
        if FileManager.default.fileExists(atPath: nameOrPath),
            let text = try? String(contentsOfFile: nameOrPath, encoding: .utf8)
        {
            let base = URL(fileURLWithPath: nameOrPath).deletingPathExtension().lastPathComponent
            return try ModelCard(name: base, origin: nameOrPath, text: text)
        }
        throw NetlistError.unknownModel(nameOrPath, available: Templates.modelNames)
    }

    /// The default card.
    public static func standard() throws -> ModelCard { try named(defaultName) }

    /// W/L of the channel.
    public var aspectRatio: Double { SpiceNumber.parse(width)! / SpiceNumber.parse(length)! }

    /// A `.model` line with its `vto` shifted by `threshold` and its `kp` multiplied by `gain`
    /// (device mismatch); other lines unchanged.
    public static func shifting(_ line: String, threshold: Double, gain: Double) -> String {
        guard line.lowercased().hasPrefix(".model"), threshold != 0 || gain != 1 else { return line }
        return line.split(separator: " ", omittingEmptySubsequences: false).map { token -> String in
            let parts = token.split(separator: "=", maxSplits: 1)
            guard parts.count == 2, let value = SpiceNumber.parse(String(parts[1])) else { return String(token) }
            switch parts[0].lowercased() {
            case "vto": return "vto=" + SpiceNumber.format(value + threshold)
            case "kp": return "kp=" + SpiceNumber.format(value * gain)
            default: return String(token)
            }
        }.joined(separator: " ")
    }

    /// The card's lines with placeholders filled (comments kept, metadata lines dropped).
    public func render(modelName: String, values: [String: Double]) -> [String] {
        text.split(separator: "\n", omittingEmptySubsequences: false).compactMap { raw -> String? in
            let line = String(raw)
            if line.hasPrefix("*@") || line.trimmingCharacters(in: .whitespaces).isEmpty { return nil }
            var out = line.replacingOccurrences(of: "{{model}}", with: modelName)
            for (key, value) in values { out = out.replacingOccurrences(of: "{{\(key)}}", with: SpiceNumber.format(value)) }
            return out
        }
    }
}

/// SPICE number parsing and formatting (locale-independent).
public enum SpiceNumber {
    /// Shortest round-trip decimal form (`1.5`, `1e-05`), independent of the locale.
    public static func format(_ x: Double) -> String { "\(x)" }

    /// Parses `10u`, `7.8u`, `1k`, `2.5meg`, `1e-3`.
    public static func parse(_ s: String) -> Double? {
        let lower = s.lowercased()
        let suffixes: [(String, Double)] = [
            ("meg", 1e6), ("mil", 25.4e-6), ("t", 1e12), ("g", 1e9), ("k", 1e3), ("m", 1e-3),
            ("u", 1e-6), ("n", 1e-9), ("p", 1e-12), ("f", 1e-15),
        ]
        for (suffix, scale) in suffixes where lower.hasSuffix(suffix) {
            if let v = Double(lower.dropLast(suffix.count)) { return v * scale }
        }
        return Double(lower)
    }
}
