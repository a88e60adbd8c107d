import Foundation

/// A topology encodes in its file form (``TopologyFile``, node names kept) and decodes through
/// the file's validation, so a decoded topology is always valid.
extension Topology: Codable {
    public func encode(to encoder: Encoder) throws {
        var file = TopologyFile(self)
        if nodeNames != (0..<nodeCount).map({ "n\($0)" }) { file.nodes = .names(nodeNames) }
        try file.encode(to: encoder)
    }

    public init(from decoder: Decoder) throws {
        self = try TopologyFile(from: decoder).topology(fallbackName: "topology")
    }
}
