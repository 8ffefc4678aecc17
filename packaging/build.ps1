# Build the packaged Merchant AI on Windows (see packaging/README.md).
#
#   powershell -ExecutionPolicy Bypass -File packaging\build.ps1 [-Clean] [-SkipBench]
#
# Steps: PyInstaller (onedir, windowed MerchantAI.exe + console merchant-ai.exe), prune, the frozen
# self-test, size and start-up figures, then the Inno Setup installer if iscc.exe is found
# (PATH or the default Inno Setup 6 folders). Environment: PYTHON, SIZE_BUDGET_MB (default 250),
# STRICT_SIZE=1; SIGN_CERT_THUMBPRINT to sign the executables and the installer with signtool.
param([switch]$Clean, [switch]$SkipBench)
$ErrorActionPreference = "Stop"
$Root = Split-Path -Parent $PSScriptRoot
Set-Location $Root
$started = Get-Date
function Step($text) { Write-Host ""; Write-Host ("== {0} ({1:n0} s)" -f $text, ((Get-Date) - $started).TotalSeconds) }
function Check($what) { if ($LASTEXITCODE -ne 0) { throw "$what failed (exit $LASTEXITCODE)" } }

# --- a Python with the app and PyInstaller -----------------------------------------------------------
if ($env:PYTHON) { $Py = $env:PYTHON }
elseif ($env:VIRTUAL_ENV) { $Py = Join-Path $env:VIRTUAL_ENV "Scripts\python.exe" }
elseif (Test-Path ".venv\Scripts\python.exe") { $Py = ".venv\Scripts\python.exe" }
else {
    py -3 -m venv build\venv; Check "venv"
    $Py = "build\venv\Scripts\python.exe"
}
& $Py -c "import PyInstaller, merchant_ai, ui" 2>$null
if ($LASTEXITCODE -ne 0) {
    Step "installing the app with the packaging extra"
    & $Py -m pip install -q -e ".[packaging]"; Check "pip install"
}
& $Py packaging\check_env.py; Check "check_env (the app bundles what is installed: it must match pyproject)"
$Version = (& $Py -c "from importlib.metadata import version; print(version('merchant-ai'))").Trim()

# --- build --------------------------------------------------------------------------------------------
Step "PyInstaller: MerchantAI $Version"
$t0 = Get-Date
$cleanArg = @(); if ($Clean) { $cleanArg = @("--clean") }
& $Py -m PyInstaller --noconfirm @cleanArg --log-level WARN --distpath dist --workpath build\pyinstaller packaging\merchant_ai.spec
Check "PyInstaller"
$buildS = ((Get-Date) - $t0).TotalSeconds
$Target = "dist\MerchantAI"

Step "prune + start check"
& $Py packaging\prune.py $Target; Check "prune"

# --- the frozen self-test (console twin, so its output and exit code reach this script) -----------------
Step "frozen self-test"
$t0 = Get-Date
& "$Target\merchant-ai.exe" self-test; Check "frozen self-test"
$selftestS = ((Get-Date) - $t0).TotalSeconds

# --- size budget ------------------------------------------------------------------------------------------
Step "size"
$budget = if ($env:SIZE_BUDGET_MB) { [int]$env:SIZE_BUDGET_MB } else { 250 }
$totalMB = [math]::Round((Get-ChildItem $Target -Recurse -File | Measure-Object Length -Sum).Sum / 1MB)
Write-Host "on disk: $totalMB MB (budget $budget MB)"
Get-ChildItem "$Target\_internal" | ForEach-Object {
    $size = if ($_.PSIsContainer) { (Get-ChildItem $_.FullName -Recurse -File | Measure-Object Length -Sum).Sum } else { $_.Length }
    [pscustomobject]@{ MB = [math]::Round($size / 1MB, 1); Name = $_.Name }
} | Sort-Object MB -Descending | Select-Object -First 15 | Format-Table -AutoSize
$sizeNote = "ok"
if ($totalMB -gt $budget) {
    $sizeNote = "OVER BUDGET by $($totalMB - $budget) MB"
    Write-Host "size: $sizeNote"
    if ($env:STRICT_SIZE) { exit 1 }
}

# --- start-up -----------------------------------------------------------------------------------------------
if (-not $SkipBench) {
    Step "start-up (bench/startup.py)"
    # the console twin: same code and start path, but with a stdout for the probe line
    & $Py bench\startup.py --runs 5 --frozen "$Target\merchant-ai.exe"
    if ($LASTEXITCODE -ne 0) { Write-Host "start-up: a target was missed (see above)" }
}

# --- signing and installer ------------------------------------------------------------------------------------
if ($env:SIGN_CERT_THUMBPRINT) {
    Step "signtool"
    signtool sign /sha1 $env:SIGN_CERT_THUMBPRINT /fd sha256 /tr http://timestamp.digicert.com /td sha256 `
        "$Target\MerchantAI.exe" "$Target\merchant-ai.exe"; Check "signtool"
}
$iscc = (Get-Command iscc.exe -ErrorAction SilentlyContinue).Source
if (-not $iscc) {
    $iscc = @("${env:ProgramFiles(x86)}\Inno Setup 6\ISCC.exe", "$env:ProgramFiles\Inno Setup 6\ISCC.exe",
              "$env:LOCALAPPDATA\Programs\Inno Setup 6\ISCC.exe") | Where-Object { Test-Path $_ } | Select-Object -First 1
}
if ($iscc) {
    Step "Inno Setup installer"
    & $iscc /Q "/DAppVersion=$Version" "/DDistDir=$Root\$Target" packaging\windows\merchant_ai.iss; Check "iscc"
    $Artifact = "dist\MerchantAI-$Version-windows-setup.exe"
    if ($env:SIGN_CERT_THUMBPRINT) {
        signtool sign /sha1 $env:SIGN_CERT_THUMBPRINT /fd sha256 /tr http://timestamp.digicert.com /td sha256 $Artifact; Check "signtool"
    }
} else {
    Write-Host "iscc.exe not found (install Inno Setup 6): zipping the folder instead"
    $Artifact = "dist\MerchantAI-$Version-windows.zip"
    Compress-Archive -Path $Target -DestinationPath $Artifact -Force
}

Step "done"
Write-Host "artifact:       $Artifact"
Write-Host "app on disk:    $totalMB MB, budget $budget MB: $sizeNote"
Write-Host ("PyInstaller:    {0:n0} s; frozen self-test: {1:n0} s; whole script: {2:n0} s" -f $buildS, $selftestS, ((Get-Date) - $started).TotalSeconds)
