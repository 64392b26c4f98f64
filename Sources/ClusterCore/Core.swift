import PBSCore
