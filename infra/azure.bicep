// Manager Desk on Azure: everything one environment needs, in one resource group.
//   az deployment group create -g <group> -f infra/azure.bicep -p infra/azure.parameters.json   (docs/deploy.md)
// or `provision` of the Microsoft 365 Agents Toolkit (m365agents.yml), which fills the parameters file from env/.
//
// What it creates, and why each piece is there:
// - a user-assigned managed identity: the bot's own identity (MicrosoftAppType=UserAssignedMSI, no client secret),
//   the state store's credential (a data-plane role on one blob container, no account keys) and the Key Vault
//   reader behind the app settings that are secrets;
// - App Service for Linux (Python 3.11) running gunicorn (gunicorn.conf.py), probed on /readyz (docs/decisions.md);
// - the Azure Bot (global) with the Teams channel and the OAuth connection Teams SSO uses;
// - a Storage account with no shared-key access and the private blob container for the bot's state;
// - a Key Vault (RBAC) holding the SSO app's client secret and the state encryption key;
// - Application Insights on a Log Analytics workspace.

@minLength(4)
@maxLength(20)
@description('Used to name every resource of this environment (letters, digits and hyphens).')
param resourceBaseName string

@description('Region of every regional resource. The Azure Bot itself is global.')
param location string = resourceGroup().location

@maxLength(42)
@description('The bot\'s name in the Azure Bot resource.')
param botDisplayName string = 'Manager Desk'

@allowed(['F0', 'S1'])
@description('Azure Bot pricing tier. F0 is free, for standard channels such as Teams.')
param botServiceSku string = 'F0'

@description('App Service plan SKU for Linux (B1 and up; P0v3 or higher for production traffic).')
param webAppSku string = 'B1'

@minValue(1)
@maxValue(10)
@description('App Service instances. More than one needs the shared state store (STATE_STORE=blob).')
param instanceCount int = 1

@minValue(1)
@maxValue(16)
@description('gunicorn workers per instance (WEB_CONCURRENCY): one per vCPU of the plan; each holds about 100 MB.')
param webConcurrency int = 2

@description('App Service runtime stack.')
param linuxFxVersion string = 'PYTHON|3.11'

@description('Client id of the Entra app Teams SSO and on-behalf-of use (SSO_APP_ID).')
param ssoAppClientId string

@secure()
@description('Client secret of that Entra app. Stored in Key Vault; the app setting only references it.')
param ssoAppClientSecret string

@description('Entra tenant of the SSO app\'s OAuth connection: this tenant\'s id for a single-tenant app, common for a multitenant one.')
param ssoAppTenant string = tenant().tenantId

@description('Name of the Azure Bot OAuth connection (OAUTH_CONNECTION_NAME).')
param oauthConnectionName string = 'graph-sso'

@secure()
@description('Key that encrypts the state store\'s sensitive values at rest (STATE_ENCRYPTION_KEY). Stored in Key Vault.')
param stateEncryptionKey string

@minLength(3)
@maxLength(63)
@description('Blob container holding the bot\'s state (STATE_CONTAINER).')
param stateContainerName string = 'managerdesk-state'

@allowed(['Standard_LRS', 'Standard_ZRS', 'Standard_GRS'])
param storageSku string = 'Standard_LRS'

@description('Optional comma-separated tenant ids allowed to use the bot (ALLOWED_TENANTS). Empty: any tenant the app serves.')
param allowedTenants string = ''

@description('Optional Bookings business preselected on the customer form (BOOKING_BUSINESS_ID).')
param bookingBusinessId string = ''

@description('Microsoft Graph endpoint (GRAPH_BASE_URL).')
param graphBaseUrl string = 'https://graph.microsoft.com/beta'

@allowed(['DEBUG', 'INFO', 'WARNING', 'ERROR'])
param logLevel string = 'INFO'

param tags object = {}

var suffix = uniqueString(resourceGroup().id, resourceBaseName)
var storageAccountName = take(toLower(replace('${resourceBaseName}${suffix}', '-', '')), 24)
var keyVaultName = take('${replace(resourceBaseName, '-', '')}kv${suffix}', 24)
// Built-in role definitions (ids are the same in every tenant).
var storageBlobDataContributor = 'ba92f5b4-2d11-453d-a403-e96b0029c9fe'
var keyVaultSecretsUser = '4633458b-17de-408a-b874-0445c86b69e6'

resource identity 'Microsoft.ManagedIdentity/userAssignedIdentities@2023-01-31' = {
  name: '${resourceBaseName}-identity'
  location: location
  tags: tags
}

module monitoring 'modules/monitoring.bicep' = {
  name: 'monitoring'
  params: {
    resourceBaseName: resourceBaseName
    location: location
    tags: tags
  }
}

module state 'modules/state.bicep' = {
  name: 'state'
  params: {
    storageAccountName: storageAccountName
    location: location
    storageSku: storageSku
    containerName: stateContainerName
    principalId: identity.properties.principalId
    roleDefinitionId: storageBlobDataContributor
    tags: tags
  }
}

module secrets 'modules/secrets.bicep' = {
  name: 'secrets'
  params: {
    keyVaultName: keyVaultName
    location: location
    principalId: identity.properties.principalId
    roleDefinitionId: keyVaultSecretsUser
    ssoAppClientSecret: ssoAppClientSecret
    stateEncryptionKey: stateEncryptionKey
    tags: tags
  }
}

resource plan 'Microsoft.Web/serverfarms@2023-12-01' = {
  name: '${resourceBaseName}-plan'
  location: location
  kind: 'linux'
  tags: tags
  sku: {
    name: webAppSku
    capacity: instanceCount
  }
  properties: {
    reserved: true // Linux
  }
}

resource webApp 'Microsoft.Web/sites@2023-12-01' = {
  name: resourceBaseName
  location: location
  kind: 'app,linux'
  tags: tags
  identity: {
    type: 'UserAssigned'
    userAssignedIdentities: {
      '${identity.id}': {}
    }
  }
  properties: {
    serverFarmId: plan.id
    httpsOnly: true
    keyVaultReferenceIdentity: identity.id // Key Vault references resolve with the managed identity
    siteConfig: {
      linuxFxVersion: linuxFxVersion
      appCommandLine: 'gunicorn --config gunicorn.conf.py app:serve'
      alwaysOn: true
      http20Enabled: true
      minTlsVersion: '1.2'
      ftpsState: 'Disabled'
      healthCheckPath: '/readyz'
    }
  }
}

// App settings are their own resource so they can use the host name (the messaging endpoint and SSO URI).
resource appSettings 'Microsoft.Web/sites/config@2023-12-01' = {
  parent: webApp
  name: 'appsettings'
  dependsOn: [state, secrets] // role assignments first: the app reads Key Vault and the container at start
  properties: {
    SCM_DO_BUILD_DURING_DEPLOYMENT: 'true' // zip deploy installs requirements.txt on the host
    WEBSITES_PORT: '8000'
    PORT: '8000'
    WEB_CONCURRENCY: string(webConcurrency)
    MicrosoftAppType: 'UserAssignedMSI'
    MicrosoftAppId: identity.properties.clientId
    MicrosoftAppTenantId: identity.properties.tenantId
    AZURE_CLIENT_ID: identity.properties.clientId // azure-identity's managed identity for the state store
    AUTH_MODE: 'sso'
    OAUTH_CONNECTION_NAME: oauthConnectionName
    SSO_APP_ID: ssoAppClientId
    SSO_APP_PASSWORD: '@Microsoft.KeyVault(SecretUri=${secrets.outputs.ssoAppSecretUri})'
    ALLOWED_TENANTS: allowedTenants
    GRAPH_BASE_URL: graphBaseUrl
    BOOKING_BUSINESS_ID: bookingBusinessId
    STATE_STORE: 'blob'
    AZURE_STORAGE_ACCOUNT_URL: state.outputs.blobEndpoint
    STATE_CONTAINER: stateContainerName
    STATE_ENCRYPTION_KEY: '@Microsoft.KeyVault(SecretUri=${secrets.outputs.stateKeyUri})'
    STATE_DB: '/home/data/state.db' // used only while the blob store is not in the deployed code
    LOG_FORMAT: 'json'
    LOG_LEVEL: logLevel
    APPLICATIONINSIGHTS_CONNECTION_STRING: monitoring.outputs.connectionString
    OTEL_SERVICE_NAME: 'manager-desk'
  }
}

module bot 'modules/bot.bicep' = {
  name: 'bot'
  params: {
    botServiceName: resourceBaseName
    botDisplayName: botDisplayName
    botServiceSku: botServiceSku
    messagingEndpoint: 'https://${webApp.properties.defaultHostName}/api/messages'
    identityClientId: identity.properties.clientId
    identityResourceId: identity.id
    identityTenantId: identity.properties.tenantId
    oauthConnectionName: oauthConnectionName
    ssoAppClientId: ssoAppClientId
    ssoAppClientSecret: ssoAppClientSecret
    ssoAppTenant: ssoAppTenant
    ssoAppIdUri: 'api://${webApp.properties.defaultHostName}/botid-${identity.properties.clientId}'
    tags: tags
  }
}

// Written to env/.env.<environment> by the Toolkit (arm/deploy), read by deploy and the app package.
output BOT_AZURE_APP_SERVICE_RESOURCE_ID string = webApp.id
output BOT_DOMAIN string = webApp.properties.defaultHostName
output BOT_ID string = identity.properties.clientId
output BOT_TENANT_ID string = identity.properties.tenantId
output AZURE_STORAGE_ACCOUNT_URL string = state.outputs.blobEndpoint
output STATE_CONTAINER string = stateContainerName
