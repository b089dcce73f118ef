// The two secrets the app needs, in a Key Vault with RBAC: App Service resolves the references in its app
// settings with the managed identity (Key Vault Secrets User on this vault), so no secret is stored in clear there.

param keyVaultName string
param location string
param principalId string
param roleDefinitionId string
@secure()
param ssoAppClientSecret string
@secure()
param stateEncryptionKey string
param tags object

resource vault 'Microsoft.KeyVault/vaults@2023-07-01' = {
  name: keyVaultName
  location: location
  tags: tags
  properties: {
    tenantId: tenant().tenantId
    sku: {
      family: 'A'
      name: 'standard'
    }
    enableRbacAuthorization: true
    enableSoftDelete: true
    softDeleteRetentionInDays: 30
    publicNetworkAccess: 'Enabled'
  }
}

resource ssoSecret 'Microsoft.KeyVault/vaults/secrets@2023-07-01' = {
  parent: vault
  name: 'sso-app-password'
  properties: {
    value: ssoAppClientSecret
  }
}

resource stateKey 'Microsoft.KeyVault/vaults/secrets@2023-07-01' = {
  parent: vault
  name: 'state-encryption-key'
  properties: {
    value: stateEncryptionKey
  }
}

resource secretsUser 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(vault.id, principalId, roleDefinitionId)
  scope: vault
  properties: {
    principalId: principalId
    principalType: 'ServicePrincipal'
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roleDefinitionId)
  }
}

// Versionless URIs: a rotated secret is picked up by App Service without a redeployment.
output ssoAppSecretUri string = '${vault.properties.vaultUri}secrets/${ssoSecret.name}'
output stateKeyUri string = '${vault.properties.vaultUri}secrets/${stateKey.name}'
