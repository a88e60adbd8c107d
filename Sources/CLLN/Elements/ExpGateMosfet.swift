import Foundation

extension EdgeElement {
    /// A MOSFET whose parameter is the natural log of its gate voltage, U_G = exp(p): multiplicative
    /// updates of U_G become additive in p. Bounds are the logs of the gate bounds; the current
    /// follows the triode law with c = exp(p) − V_T, so ∂c/∂p = U_G.
    public enum ExpGateMosfet: ElementModel {
        public static let name = "exp-gate-mosfet"
        public static let aliases = ["expgatemosfet", "exp-gate"]
        public static var law: ConductanceLaw { .gatedTriode }
        public static var netlistForm: NetlistForm { .mosfet }

        /// log(GMN)...log(GMX); the gate bounds are positive (topology validation).
        public static func parameterBounds(gateBounds: ClosedRange<Double>) -> ClosedRange<Double> {
            log(gateBounds.lowerBound)...log(gateBounds.upperBound)
        }
        public static func initialParameter(gate: Double) -> Double { log(gate) }
        public static func gateVoltage(parameter p: Double) -> Double? { exp(p) }
        public static func coefficient(parameter p: Double, thresholdVoltage: Double) -> Double { exp(p) - thresholdVoltage }
        public static func coefficientSlope(parameter p: Double) -> Double { exp(p) }
        public static func netlistValue(parameter p: Double) -> Double { exp(p) }
    }
}
