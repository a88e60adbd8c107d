import Foundation

extension EdgeElement {
    /// The X9C303-like digital potentiometer: 100 wiper steps with resistances geometric from
    /// 40 Ω to 32 kΩ. The parameter is the wiper position, continuous in 0...99 and rounded to the
    /// nearest step (``step(for:)``) wherever it sets the resistance; default mid-scale (50).
    public enum Potentiometer: ElementModel {
        /// Number of wiper positions.
        public static let steps = 100
        /// Resistance at step 0, in ohms.
        public static let minimumOhms = 40.0
        /// Resistance at step 99, in ohms.
        public static let maximumOhms = 32_000.0

        /// The step a continuous parameter selects (rounded, clipped to 0...99).
        public static func step(for parameter: Double) -> Int {
            Int(min(max(parameter.rounded(), 0), Double(steps - 1)))
        }

        /// Resistance in ohms of a wiper position: geometric from 40 Ω to 32 kΩ.
        public static func ohms(step: Int) -> Double {
            minimumOhms * pow(maximumOhms / minimumOhms, Double(step) / Double(steps - 1))
        }

        public static let name = "potentiometer"
        public static let aliases = ["pot", "digipot"]
        public static var law: ConductanceLaw { .linear }
        public static var netlistForm: NetlistForm { .resistor }

        public static func parameterBounds(gateBounds: ClosedRange<Double>) -> ClosedRange<Double> {
            0...Double(steps - 1)
        }
        public static func initialParameter(gate: Double) -> Double { Double(steps / 2) }
        public static func gateVoltage(parameter p: Double) -> Double? { nil }
        /// G = 1/R(step(p)) (S).
        public static func coefficient(parameter p: Double, thresholdVoltage: Double) -> Double {
            1 / ohms(step: step(for: p))
        }
        /// dG/dstep of the geometric interpolation at the selected step: −G · ln(R_max/R_min)/99.
        /// (The rounded map itself is piecewise constant; this is the slope the rule follows.)
        public static func coefficientSlope(parameter p: Double) -> Double {
            -log(maximumOhms / minimumOhms) / Double(steps - 1) / ohms(step: step(for: p))
        }
        public static func netlistValue(parameter p: Double) -> Double { ohms(step: step(for: p)) }
    }
}
