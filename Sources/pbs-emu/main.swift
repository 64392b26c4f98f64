import Foundation
import PBSEmulator

exit(PBSEmu.main())
