import Foundation

extension EdgeElement {
    /// A resistor in series with an ideal diode, conducting from `a` (+) to `b` (−): the parameter
    /// is the forward conductance G (S), ≥ 0; in reverse the conductance is G · g_floor. Default
    /// 1/(1 kΩ). Netlist: diode `d<e>` to internal node `x<e>`, resistor `r<e>` of 1/G.
    public enum DiodeResistor: ElementModel {
        public static let name = "diode-resistor"
        public static let aliases = ["dioderesistor", "diode"]
        public static var law: ConductanceLaw { .diode }
        public static var netlistForm: NetlistForm { .diodeResistor }

        public static func parameterBounds(gateBounds: ClosedRange<Double>) -> ClosedRange<Double> {
            0...Double.greatestFiniteMagnitude
        }
        public static func initialParameter(gate: Double) -> Double { 1e-3 }
        public static func gateVoltage(parameter p: Double) -> Double? { nil }
        public static func coefficient(parameter p: Double, thresholdVoltage: Double) -> Double { p }
        public static func coefficientSlope(parameter p: Double) -> Double { 1 }
        /// 1/G (Ω); +∞ at G = 0.
        public static func netlistValue(parameter p: Double) -> Double { 1 / p }
    }
}
