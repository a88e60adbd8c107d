/// A config value chosen by name from a fixed list (`loss: hinge`, `target: discounted`).
/// Decoding an unknown name fails with a message that names the key and lists every accepted
/// name, e.g. `loss "l1" is unknown; use mse or hinge or multiclass-hinge`.
public protocol ConfigChoice: RawRepresentable, CaseIterable, Decodable where RawValue == String {
    /// The config key the value is written under (for the message).
    static var configKey: String { get }
}

extension ConfigChoice {
    public init(from decoder: Decoder) throws {
        let container = try decoder.singleValueContainer()
        let name = try container.decode(String.self)
        guard let value = Self(rawValue: name) else {
            throw DecodingError.dataCorruptedError(
                in: container,
                debugDescription: "\(Self.configKey) \"\(name)\" is unknown; use \(Self.allCases.map(\.rawValue).joined(separator: " or "))")
        }
        self = value
    }
}
