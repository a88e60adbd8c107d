import Foundation

extension EdgeElement {
    /// A resistor in series with an ideal diode, conducting from `a` (+) to `b` (−): the parameter
    /// is the forward conductance G (S, ``ConductanceElement``); in reverse the conductance is
    /// G · g_floor. Netlist: diode `d<e>` to internal node `x<e>`, resistor `r<e>` of 1/G.
    public enum DiodeResistor: ConductanceElement {
        public static let name = "diode-resistor"
        public static let aliases = ["dioderesistor", "diode"]
        public static var law: ConductanceLaw { .diode }
        public static var netlistForm: NetlistForm { .diodeResistor }
    }
}
