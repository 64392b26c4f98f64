print("clusterctl")
