import Foundation

extension EdgeElement {
    /// A linear resistor: the parameter is its conductance G (S, ``ConductanceElement``) — the
    /// control case of coupled learning, where it equals gradient descent as η → 0.
    public enum Resistor: ConductanceElement {
        public static let name = "resistor"
        public static let aliases = ["linear"]
        public static var law: ConductanceLaw { .linear }
        public static var netlistForm: NetlistForm { .resistor }
    }
}
