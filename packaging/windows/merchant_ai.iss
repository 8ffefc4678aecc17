; Inno Setup script for the Merchant AI Windows installer (Inno Setup 6.3+).
; Built by packaging/build.ps1:  iscc /DAppVersion=0.1.0 /DDistDir=<repo>\dist\MerchantAI packaging\windows\merchant_ai.iss
;
; Per-user install (no administrator rights): %LOCALAPPDATA%\Programs\MerchantAI.
; Shops live in the user's data folder (%LOCALAPPDATA%\MerchantAI\MerchantAI\shops), outside the
; install folder, and the uninstaller never touches them: uninstalling removes the program only.

#ifndef AppVersion
  #define AppVersion "0.0.0"
#endif
#ifndef DistDir
  #define DistDir "..\..\dist\MerchantAI"
#endif
#define AppName "Merchant AI"
#define AppExe "MerchantAI.exe"

[Setup]
; A fixed AppId ties upgrades and the uninstaller together: never change it.
AppId={{6F1C2B7E-4D0A-4C53-9B8E-2A7D5E3F9C41}
AppName={#AppName}
AppVersion={#AppVersion}
AppVerName={#AppName} {#AppVersion}
AppPublisher=Merchant AI
VersionInfoVersion={#AppVersion}
DefaultDirName={localappdata}\Programs\MerchantAI
DefaultGroupName={#AppName}
DisableProgramGroupPage=yes
PrivilegesRequired=lowest
PrivilegesRequiredOverridesAllowed=dialog
ArchitecturesAllowed=x64compatible
ArchitecturesInstallIn64BitMode=x64compatible
OutputDir=..\..\dist
OutputBaseFilename=MerchantAI-{#AppVersion}-windows-setup
SetupIconFile=..\..\resources\icons\merchant-ai.ico
UninstallDisplayIcon={app}\{#AppExe}
UninstallDisplayName={#AppName}
Compression=lzma2/max
SolidCompression=yes
WizardStyle=modern
CloseApplications=yes

[Languages]
Name: "english"; MessagesFile: "compiler:Default.isl"

[Tasks]
Name: "desktopicon"; Description: "{cm:CreateDesktopIcon}"; GroupDescription: "{cm:AdditionalIcons}"; Flags: unchecked

[Files]
; The whole PyInstaller folder: MerchantAI.exe (window), merchant-ai.exe (command line), _internal\.
Source: "{#DistDir}\*"; DestDir: "{app}"; Flags: ignoreversion recursesubdirs createallsubdirs

[InstallDelete]
; An upgrade replaces the program's files wholesale, so no library from an older version lingers.
Type: filesandordirs; Name: "{app}\_internal"

[Icons]
Name: "{autoprograms}\{#AppName}"; Filename: "{app}\{#AppExe}"; Comment: "Forecasts, stock, margins and customers for your shop"
Name: "{autodesktop}\{#AppName}"; Filename: "{app}\{#AppExe}"; Tasks: desktopicon

[Run]
Filename: "{app}\{#AppExe}"; Description: "{cm:LaunchProgram,{#AppName}}"; Flags: nowait postinstall skipifsilent

[UninstallDelete]
; Only what the installer put in {app}. Deliberately nothing under {localappdata}\MerchantAI: that is
; the owner's encrypted shop data, kept so a reinstall opens the same shops.
Type: filesandordirs; Name: "{app}\_internal"

[Messages]
FinishedLabel=Setup has installed [name] on your computer. Your shop data is kept in your user folder and is never removed by the uninstaller.
