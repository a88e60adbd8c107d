import Foundation

/// The ngspice naming scheme of compiled netlists, in one place: ``NetlistCompiler`` writes these
/// names and ``SpiceSolver`` changes values in place by them, so both always agree.
///
/// Node `i` is `n<i>`; a held node `i` is driven by source `vh<i>`. Edge `e` (numbered in the
/// compiled topology) by its ``NetlistForm``: a MOSFET is `m<e>` — with gate node `g<e>` driven
/// by source `vg<e>` in the ``GateStyle/sources`` form (model `mm<e>` per edge when mismatched,
/// else the shared `nmos_edge`), or gate at ground and model `me<e>` in the
/// ``GateStyle/thresholdPerEdge`` form; a resistor is `r<e>`; a diode-resistor is diode `d<e>`
/// (model `d_edge`) from `n<a>` to internal node `x<e>` plus resistor `r<e>` to `n<b>`. A batch
/// circuit adds the sweep source `vsw` on node `sw` with its load `rsw`.
public enum SpiceNames {
    /// Node `i`.
    public static func node(_ i: Int) -> String { "n\(i)" }
    /// The source holding node `i`.
    public static func heldSource(node i: Int) -> String { "vh\(i)" }
    /// MOSFET of edge `e`.
    public static func mosfet(edge e: Int) -> String { "m\(e)" }
    /// Gate node and its source of edge `e` (gate style ``GateStyle/sources``).
    public static func gateNode(edge e: Int) -> String { "g\(e)" }
    public static func gateSource(edge e: Int) -> String { "vg\(e)" }
    /// Model of edge `e`'s MOSFET in the ``GateStyle/thresholdPerEdge`` form (`vto = V_T − U_G`).
    public static func thresholdModel(edge e: Int) -> String { "me\(e)" }
    /// Model of edge `e`'s mismatched MOSFET in the ``GateStyle/sources`` form.
    public static func mismatchModel(edge e: Int) -> String { "mm\(e)" }
    /// The model every unmismatched MOSFET of the ``GateStyle/sources`` form shares.
    public static let sharedMosfetModel = "nmos_edge"
    /// Diode of edge `e`, its internal node, and its model (shared by every diode).
    public static func diode(edge e: Int) -> String { "d\(e)" }
    public static func diodeNode(edge e: Int) -> String { "x\(e)" }
    public static let diodeModel = "d_edge"
    /// Resistor of edge `e` (resistor and diode-resistor forms).
    public static func resistor(edge e: Int) -> String { "r\(e)" }
    /// The source a ``HeldSourceStyle/externalSweep`` netlist sweeps (`dc vsw 0 M−1 1`), its node and load.
    public static let sweepSource = "vsw"
    public static let sweepNode = "sw"
    public static let sweepLoad = "rsw"

    // The co-simulation form (``CosimulationCircuit``): gate capacitors charged by learning
    // current sources, node capacitances, held sources behind switches.
    /// Gate capacitor of edge `e` (on its gate node `g<e>`), its learning current source and its leakage.
    public static func gateCapacitor(edge e: Int) -> String { "cg\(e)" }
    public static func learningSource(edge e: Int) -> String { "ig\(e)" }
    public static func gateLeak(edge e: Int) -> String { "rg\(e)" }
    /// Capacitance of node `i` to ground.
    public static func nodeCapacitor(_ i: Int) -> String { "cn\(i)" }
    /// The node a held source drives (`h<i>`), and what joins it to `n<i>`: a resistor `rs<i>`
    /// (always on), or a switch `bs<i>` that conducts while the clamp is on.
    public static func heldDriveNode(_ i: Int) -> String { "h\(i)" }
    public static func switchResistor(_ i: Int) -> String { "rs\(i)" }
    public static func clampSwitch(_ i: Int) -> String { "bs\(i)" }
    /// The source (0 or 1 V) and node that turn every clamp switch on or off.
    public static let clampControl = "vclamp"
    public static let clampNode = "clamp"

    /// The command that sets edge `e`'s value in place, up to the number: `altermod me<e> vto = `
    /// (the value V_T + ΔV_T − U_G) or `alter vg<e> = ` (U_G) for a MOSFET, `alter r<e> = ` (Ω)
    /// for the resistive forms.
    public static func updatePrefix(edge e: Int, form: NetlistForm, gateStyle: GateStyle) -> String {
        switch form {
        case .mosfet: gateStyle == .thresholdPerEdge ? "altermod \(thresholdModel(edge: e)) vto = " : "alter \(gateSource(edge: e)) = "
        case .resistor, .diodeResistor: "alter \(resistor(edge: e)) = "
        }
    }

    /// The command that sets held node `i`'s voltage in place, up to the number.
    public static func heldUpdatePrefix(node i: Int) -> String { "alter \(heldSource(node: i)) = " }

    /// The vector ngspice fills with a source's value at a DC point (`@vh<i>[dc]`).
    public static func dcProbe(source: String) -> String { "@\(source)[dc]" }
}
