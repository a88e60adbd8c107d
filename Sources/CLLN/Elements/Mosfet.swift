import Foundation

extension EdgeElement {
    /// An n-channel MOSFET used as a voltage-controlled resistor (spec §1): the parameter is the
    /// gate voltage U_G (V), bounded by the topology's gate bounds, and the current follows the
    /// triode law with c = U_G − V_T.
    public enum Mosfet: ElementModel {
        public static let name = "mosfet"
        public static let aliases = ["nmos"]
        public static var law: ConductanceLaw { .gatedTriode }
        public static var netlistForm: NetlistForm { .mosfet }

        public static func parameterBounds(gateBounds: ClosedRange<Double>) -> ClosedRange<Double> { gateBounds }
        public static func initialParameter(gate: Double) -> Double { gate }
        public static func gateVoltage(parameter p: Double) -> Double? { p }
        public static func coefficient(parameter p: Double, thresholdVoltage: Double) -> Double { p - thresholdVoltage }
        public static func coefficientSlope(parameter p: Double) -> Double { 1 }
        public static func netlistValue(parameter p: Double) -> Double { p }
    }
}
