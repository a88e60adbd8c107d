import Foundation

/// The idealized edge model (spec §1) evaluated on a network's edges, on a chip with or without
/// device mismatch: each edge's element physics (``ElementModel``) with that edge's device
/// constants (``DeviceMismatch/device(edge:nominal:)``). Shared by every backend's diagnostics
/// and by the exact gradients.
public enum EdgeModel {
    /// Edges at the conductance floor and edges a real MOSFET would run saturated
    /// (``EdgeDiagnosis``), in edge order, skipping `removed` edges. With `mismatch`, each edge's
    /// threshold is V_T + ΔV_T of its device, as in the solve that gave `voltages`.
    public static func classify(
        topology: Topology, parameters: [Double], voltages: [Double], removed: Set<Int> = [], mismatch: DeviceMismatch? = nil
    ) -> (floor: [Int], saturated: [Int]) {
        var floor: [Int] = []
        var saturated: [Int] = []
        for (e, edge) in topology.edges.enumerated() where !removed.contains(e) {
            let model = edge.element.model
            guard model.isTransistor else { continue }
            let d = model.diagnose(
                parameter: parameters[e], va: voltages[edge.a], vb: voltages[edge.b],
                device: device(topology: topology, edge: e, mismatch: mismatch))
            if d.atFloor { floor.append(e) }
            if d.saturated { saturated.append(e) }
        }
        return (floor, saturated)
    }

    /// Whether every transistor edge is in triode (``EdgeDiagnosis/inTriode``): the region where
    /// the idealized model equals a level-1 MOSFET with GAMMA = LAMBDA = 0.
    public static func allInTriode(
        topology: Topology, parameters: [Double], voltages: [Double], mismatch: DeviceMismatch? = nil
    ) -> Bool {
        topology.edges.indices.allSatisfy { e in
            let edge = topology.edges[e]
            return edge.element.model.diagnose(
                parameter: parameters[e], va: voltages[edge.a], vb: voltages[edge.b],
                device: device(topology: topology, edge: e, mismatch: mismatch)
            ).inTriode
        }
    }

    /// Current from `a` to `b` through edge `e` (A) and its derivatives in V_a, V_b and the
    /// parameter, as the idealized solver evaluates them (to the last bit) on the same chip.
    public static func current(
        topology: Topology, edge e: Int, parameter p: Double, va: Double, vb: Double, mismatch: DeviceMismatch? = nil
    ) -> EdgeCurrent {
        topology.edges[e].element.model.current(
            parameter: p, va: va, vb: vb, device: device(topology: topology, edge: e, mismatch: mismatch))
    }

    /// Edge `e`'s device constants: the topology's, shifted by the chip's mismatch if any.
    static func device(topology: Topology, edge e: Int, mismatch: DeviceMismatch?) -> DeviceConstants {
        mismatch?.device(edge: e, nominal: topology.device) ?? topology.device
    }
}

extension DeviceMismatch {
    /// The constants of edge `e`'s device: `nominal` with threshold V_T + ΔV_T[e] and scale
    /// k · gain[e]. `e` must index the mismatch's arrays (``validate(edgeCount:)``).
    public func device(edge e: Int, nominal: DeviceConstants) -> DeviceConstants {
        nominal.shifted(threshold: thresholdOffsets[e], gain: gainFactors[e])
    }
}
