import Foundation

/// The networks of the paper's two experiments (spec §4, §5).
public enum TopologyPresets {
    /// Names accepted by ``named(_:)``.
    public static let names = ["four-state", "navigation"]

    /// Experiment A: 4×4 periodic lattice, inputs [0, 2, 8, 10], outputs [5, 7, 13, 15],
    /// states s0 = (1,0,1,0), s1 = (0,1,1,0), s2 = (1,0,0,1), s3 = (0,1,0,1).
    public static var fourState: Topology {
        var t = Generators.lattice(
            shape: [4, 4], periodic: true, inputs: [0, 2, 8, 10], outputs: [5, 7, 13, 15],
            states: [[1, 0, 1, 0], [0, 1, 1, 0], [1, 0, 0, 1], [0, 1, 0, 1]])
        t.name = "four-state"
        return t
    }

    /// Experiment B: dense layers [6, 4, 4, 1], inputs [0…5, 14], outputs [10, 11, 12, 13];
    /// state s (row = s mod 3, col = s div 3) encoded as (row/2, col/2, 0, 1, 0.5, 0, 0).
    public static var navigation: Topology {
        let states = (0..<9).map { s -> [Double] in
            [Double(s % 3) / 2, Double(s / 3) / 2, 0, 1, 0.5, 0, 0]
        }
        var t = Generators.layeredDense(
            layers: [6, 4, 4, 1], inputs: [0, 1, 2, 3, 4, 5, 14], outputs: [10, 11, 12, 13], states: states)
        t.name = "navigation"
        return t
    }

    /// The preset called `name`, or `nil`.
    public static func named(_ name: String) -> Topology? {
        switch name {
        case "four-state": fourState
        case "navigation": navigation
        default: nil
        }
    }
}
