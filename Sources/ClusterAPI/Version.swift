/// The version shared by clusterd, clusterctl and pbs-emu.
public enum ClusterdVersion {
    public static let string = "0.1.0"
}
