import Foundation

/// The co-simulation form of a network's netlist (``NetlistOptions/cosimulation``), for a
/// transient analysis whose sources a program sets as it runs (``TransientSession``):
///
/// - each MOSFET's gate node `g<e>` is a capacitor `cg<e>` (``gateCapacitance``, `ic` = the
///   edge's gate voltage) charged by an `external` current source `ig<e>` (the learning current),
///   with a leakage resistor `rg<e>` when ``gateLeakage`` > 0;
/// - every node `n<i>` has a capacitance `cn<i>` (``nodeCapacitance``, `ic=0`) to ground;
/// - a held node `i` is driven by an `external` source `vh<i>` on its own node `h<i>`, joined to
///   `n<i>` by a resistor `rs<i>` of ``switchResistance`` (always on), or — for
///   ``switchedNodes`` (the outputs) — by a switch `bs<i>` from `h<i>` to `n<i>`, a behavioral
///   current `v(clamp)·(v(h<i>) − v(n<i>))/R_sw` (drawn from `vh<i>`) that conducts while the `external` control `vclamp`
///   is 1 V and is open (no current) at 0 V.
public struct CosimulationCircuit: Sendable, Hashable {
    /// Farads per gate.
    public var gateCapacitance: Double
    /// Siemens from each gate to ground (0: none).
    public var gateLeakage: Double
    /// Farads from each node to ground.
    public var nodeCapacitance: Double
    /// Ohms between a held source and its node (> 0).
    public var switchResistance: Double
    /// Held nodes behind a clamp switch (open in the free phase).
    public var switchedNodes: [Int]

    public init(gateCapacitance: Double, gateLeakage: Double, nodeCapacitance: Double, switchResistance: Double, switchedNodes: [Int]) {
        self.gateCapacitance = gateCapacitance
        self.gateLeakage = gateLeakage
        self.nodeCapacitance = nodeCapacitance
        self.switchResistance = switchResistance
        self.switchedNodes = switchedNodes
    }

    /// Edge `e`'s gate capacitor at `gate` volts, its learning source and leakage.
    func gateLines(edge e: Int, gate: Double) -> [String] {
        let g = SpiceNames.gateNode(edge: e)
        var lines = [
            "\(SpiceNames.gateCapacitor(edge: e)) \(g) 0 \(SpiceNumber.format(gateCapacitance)) ic=\(SpiceNumber.format(gate))",
            "\(SpiceNames.learningSource(edge: e)) 0 \(g) external",
        ]
        if gateLeakage > 0 { lines.append("\(SpiceNames.gateLeak(edge: e)) \(g) 0 \(SpiceNumber.format(1 / gateLeakage))") }
        return lines
    }

    /// Node capacitances, the held sources and their switches, and the clamp control.
    func heldLines(held: [Int], nodeCount: Int) -> [String] {
        let r = SpiceNumber.format(switchResistance)
        var lines = (0..<nodeCount).map { "\(SpiceNames.nodeCapacitor($0)) \(SpiceNames.node($0)) 0 \(SpiceNumber.format(nodeCapacitance)) ic=0" }
        let switched = Set(switchedNodes)
        for i in held {
            let (h, n) = (SpiceNames.heldDriveNode(i), SpiceNames.node(i))
            lines.append("\(SpiceNames.heldSource(node: i)) \(h) 0 external")
            lines.append(switched.contains(i)
                ? "\(SpiceNames.clampSwitch(i)) \(h) \(n) i = v(\(SpiceNames.clampNode)) * (v(\(h)) - v(\(n))) / \(r)"
                : "\(SpiceNames.switchResistor(i)) \(h) \(n) \(r)")
        }
        lines.append("\(SpiceNames.clampControl) \(SpiceNames.clampNode) 0 external")
        return lines
    }
}
