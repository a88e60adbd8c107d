import Foundation

/// One value of a config key in a sweep: what a YAML or JSON spec can write for `clln train`'s
/// keys (numbers, flags, names, lists such as `hidden: [16]`, objects such as `environment`).
/// Integers stay integers, so that integer keys (`steps`, `batch`) decode.
public enum SweepValue: Codable, Sendable, Hashable, CustomStringConvertible {
    case int(Int)
    case double(Double)
    case bool(Bool)
    case string(String)
    case list([SweepValue])
    case object([String: SweepValue])

    public init(from decoder: Decoder) throws {
        let c = try decoder.singleValueContainer()
        if let v = try? c.decode(Bool.self) {
            self = .bool(v)
        } else if let v = try? c.decode(Int.self) {
            self = .int(v)
        } else if let v = try? c.decode(Double.self) {
            self = .double(v)
        } else if let v = try? c.decode(String.self) {
            self = .string(v)
        } else if let v = try? c.decode([SweepValue].self) {
            self = .list(v)
        } else if let v = try? c.decode([String: SweepValue].self) {
            self = .object(v)
        } else {
            throw DecodingError.dataCorruptedError(in: c, debugDescription: "expected a number, true/false, a name, a list or a mapping")
        }
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.singleValueContainer()
        switch self {
        case let .int(v): try c.encode(v)
        case let .double(v): try c.encode(v)
        case let .bool(v): try c.encode(v)
        case let .string(v): try c.encode(v)
        case let .list(v): try c.encode(v)
        case let .object(v): try c.encode(v)
        }
    }

    /// The value as a number, when it is one (for axes and bins).
    public var number: Double? {
        switch self {
        case let .int(v): Double(v)
        case let .double(v): v
        default: nil
        }
    }

    /// Whether the value holds a NaN or an infinity anywhere.
    var isNonFinite: Bool {
        switch self {
        case let .double(v): !v.isFinite
        case let .list(v): v.contains(where: \.isNonFinite)
        case let .object(v): v.values.contains(where: \.isNonFinite)
        default: false
        }
    }

    /// A label (numbers in their shortest exact form): `0.3`, `true`, `four-state`, `[16, 8]`.
    public var description: String {
        switch self {
        case let .int(v): "\(v)"
        case let .double(v): "\(v)"
        case let .bool(v): "\(v)"
        case let .string(v): v
        case let .list(v): "[" + v.map(\.description).joined(separator: ", ") + "]"
        case let .object(v): "{" + v.sorted { $0.key < $1.key }.map { "\($0.key): \($0.value)" }.joined(separator: ", ") + "}"
        }
    }
}

extension SweepValue: Comparable {
    /// Numbers by value, then everything else by label: the order of axes and table rows.
    public static func < (a: SweepValue, b: SweepValue) -> Bool {
        switch (a.number, b.number) {
        case let (x?, y?): x < y
        case (.some, nil): true
        case (nil, .some): false
        case (nil, nil): a.description < b.description
        }
    }
}
